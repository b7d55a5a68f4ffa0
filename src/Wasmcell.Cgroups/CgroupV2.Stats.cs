namespace Wasmcell.Cgroups;

/// <summary>
/// Stats from v2 files (the Stats RPC). CRI reads cpu.usage_usec (×1000 = usage_core_nano_seconds),
/// memory.usage - memory.inactive_file (working_set_bytes), usage_limit, anon (rss) and pgfault/pgmajfault.
/// </summary>
public sealed partial class CgroupV2
{
    public CgroupStats Stats()
    {
        PidsStats? pids = null;
        if (File.Exists(FileIn("pids.current")))
        {
            var limit = CgroupFile.TryReadUInt64(FileIn("pids.max")) ?? ulong.MaxValue;
            pids = new PidsStats
            {
                Current = CgroupFile.TryReadUInt64(FileIn("pids.current")) ?? 0,
                Limit = limit == ulong.MaxValue ? 0 : limit, // containerd reports "max" as 0
            };
        }
        V2CpuStats? cpu = null;
        // cpu.stat exists even without the cpu controller (usage_usec/user_usec/system_usec come from the core).
        if (File.Exists(FileIn("cpu.stat")))
        {
            var c = CgroupFile.TryReadKeyed(FileIn("cpu.stat"));
            cpu = new V2CpuStats
            {
                UsageUsec = c.GetValueOrDefault("usage_usec"),
                UserUsec = c.GetValueOrDefault("user_usec"),
                SystemUsec = c.GetValueOrDefault("system_usec"),
                NrPeriods = c.GetValueOrDefault("nr_periods"),
                NrThrottled = c.GetValueOrDefault("nr_throttled"),
                ThrottledUsec = c.GetValueOrDefault("throttled_usec"),
            };
        }
        V2MemoryStats? memory = null;
        V2MemoryEvents? events = null;
        if (File.Exists(FileIn("memory.current")))
        {
            memory = MemoryStats();
            var e = CgroupFile.TryReadKeyed(FileIn("memory.events"));
            events = new V2MemoryEvents
            {
                Low = e.GetValueOrDefault("low"),
                High = e.GetValueOrDefault("high"),
                Max = e.GetValueOrDefault("max"),
                Oom = e.GetValueOrDefault("oom"),
                OomKill = e.GetValueOrDefault("oom_kill"),
            };
        }
        return new CgroupV2Stats { Pids = pids, Cpu = cpu, Memory = memory, MemoryEvents = events };
    }

    private V2MemoryStats MemoryStats()
    {
        var s = CgroupFile.TryReadKeyed(FileIn("memory.stat"));
        return new V2MemoryStats
        {
            Anon = s.GetValueOrDefault("anon"),
            File = s.GetValueOrDefault("file"),
            KernelStack = s.GetValueOrDefault("kernel_stack"),
            Slab = s.GetValueOrDefault("slab"),
            Sock = s.GetValueOrDefault("sock"),
            Shmem = s.GetValueOrDefault("shmem"),
            FileMapped = s.GetValueOrDefault("file_mapped"),
            FileDirty = s.GetValueOrDefault("file_dirty"),
            FileWriteback = s.GetValueOrDefault("file_writeback"),
            AnonThp = s.GetValueOrDefault("anon_thp"),
            InactiveAnon = s.GetValueOrDefault("inactive_anon"),
            ActiveAnon = s.GetValueOrDefault("active_anon"),
            InactiveFile = s.GetValueOrDefault("inactive_file"),
            ActiveFile = s.GetValueOrDefault("active_file"),
            Unevictable = s.GetValueOrDefault("unevictable"),
            SlabReclaimable = s.GetValueOrDefault("slab_reclaimable"),
            SlabUnreclaimable = s.GetValueOrDefault("slab_unreclaimable"),
            Pgfault = s.GetValueOrDefault("pgfault"),
            Pgmajfault = s.GetValueOrDefault("pgmajfault"),
            WorkingsetRefault = s.GetValueOrDefault("workingset_refault"),
            WorkingsetActivate = s.GetValueOrDefault("workingset_activate"),
            WorkingsetNodereclaim = s.GetValueOrDefault("workingset_nodereclaim"),
            Pgrefill = s.GetValueOrDefault("pgrefill"),
            Pgscan = s.GetValueOrDefault("pgscan"),
            Pgsteal = s.GetValueOrDefault("pgsteal"),
            Pgactivate = s.GetValueOrDefault("pgactivate"),
            Pgdeactivate = s.GetValueOrDefault("pgdeactivate"),
            Pglazyfree = s.GetValueOrDefault("pglazyfree"),
            Pglazyfreed = s.GetValueOrDefault("pglazyfreed"),
            ThpFaultAlloc = s.GetValueOrDefault("thp_fault_alloc"),
            ThpCollapseAlloc = s.GetValueOrDefault("thp_collapse_alloc"),
            Usage = CgroupFile.TryReadUInt64(FileIn("memory.current")) ?? 0,
            UsageLimit = CgroupFile.TryReadUInt64(FileIn("memory.max")) ?? ulong.MaxValue, // "max" = MaxUint64, as containerd reports it
            SwapUsage = CgroupFile.TryReadUInt64(FileIn("memory.swap.current")) ?? 0,
            SwapLimit = CgroupFile.TryReadUInt64(FileIn("memory.swap.max")) ?? 0,
            MaxUsage = CgroupFile.TryReadUInt64(FileIn("memory.peak")) ?? 0,
            SwapMaxUsage = CgroupFile.TryReadUInt64(FileIn("memory.swap.peak")) ?? 0,
        };
    }
}
