using Wasmcell.Linux;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cgroups;

/// <summary>Applying OCI <c>linux.resources</c> to v1 controller files.</summary>
public sealed partial class CgroupV1
{
    public void Apply(LinuxResources resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        if (resources.Unified is { Count: > 0 })
        {
            throw new NotSupportedException("linux.resources.unified needs cgroup v2; this host runs cgroup v1");
        }
        if (resources.Memory is { } memory)
        {
            ApplyMemory(memory);
        }

        if (resources.Cpu is { } cpu)
        {
            ApplyCpu(cpu);
        }

        if (resources.Pids is { } pids)
        {
            CgroupFile.Write(System.IO.Path.Combine(RequireDir("pids"), "pids.max"), pids.Limit > 0 ? CgroupFile.Format(pids.Limit) : "max");
        }
    }

    public bool ApplyDevices(IReadOnlyList<LinuxDeviceCgroup> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var writes = DeviceRules.ToV1Writes(rules);
        if (writes.Count == 0)
        {
            return true;
        }
        var dir = DirOf("devices");
        if (dir is null)
        {
            // No devices controller: only rules that allow every device hold without one.
            return DeviceRules.FirstRestriction(rules) is null;
        }
        foreach (var write in writes)
        {
            CgroupFile.Write(System.IO.Path.Combine(dir, write.File), write.Line);
        }
        return true;
    }

    private void ApplyMemory(LinuxMemory memory)
    {
        var dir = RequireDir("memory");
        var limitFile = System.IO.Path.Combine(dir, "memory.limit_in_bytes");
        var swapFile = System.IO.Path.Combine(dir, "memory.memsw.limit_in_bytes");
        var swapAccounting = File.Exists(swapFile);

        var limit = memory.Limit is { } l && l != 0 ? l : (long?)null;
        // OCI swap is memory+swap, exactly what memsw.limit_in_bytes holds. An unlimited memory limit
        // without a swap value must lift memsw too, or the old memsw keeps capping the cgroup (runc does the same).
        var swap = memory.Swap is { } s && s != 0 ? s : limit == -1 ? -1 : (long?)null;
        if (!swapAccounting)
        {
            swap = null;
        }

        if (limit is { } newLimit && swap is { } newSwap)
        {
            // The kernel insists on limit <= memsw at every moment: raise memsw first when it stays above the
            // current limit, otherwise lower the limit first.
            var currentLimit = CgroupFile.TryReadUInt64(limitFile) ?? ulong.MaxValue;
            if (newSwap == -1 || (ulong)newSwap >= currentLimit)
            {
                CgroupFile.Write(swapFile, CgroupFile.Format(newSwap));
                CgroupFile.Write(limitFile, CgroupFile.Format(newLimit));
            }
            else
            {
                CgroupFile.Write(limitFile, CgroupFile.Format(newLimit));
                CgroupFile.Write(swapFile, CgroupFile.Format(newSwap));
            }
        }
        else if (limit is { } onlyLimit)
        {
            CgroupFile.Write(limitFile, CgroupFile.Format(onlyLimit));
        }
        else if (swap is { } onlySwap)
        {
            CgroupFile.Write(swapFile, CgroupFile.Format(onlySwap));
        }

        if (memory.Reservation is { } reservation && reservation != 0)
        {
            CgroupFile.Write(System.IO.Path.Combine(dir, "memory.soft_limit_in_bytes"), CgroupFile.Format(reservation));
        }
        if (memory.DisableOomKiller == true)
        {
            CgroupFile.Write(System.IO.Path.Combine(dir, "memory.oom_control"), "1");
        }
    }

    private void ApplyCpu(LinuxCpu cpu)
    {
        if (cpu.Shares is { } shares && shares != 0)
        {
            CgroupFile.Write(System.IO.Path.Combine(RequireDir("cpu"), "cpu.shares"), CgroupFile.Format(shares));
        }
        var hasPeriod = cpu.Period is { } p && p != 0;
        var hasQuota = cpu.Quota is { } q && q != 0;
        if (hasPeriod || hasQuota)
        {
            var dir = RequireDir("cpu");
            var periodFile = System.IO.Path.Combine(dir, "cpu.cfs_period_us");
            var quotaFile = System.IO.Path.Combine(dir, "cpu.cfs_quota_us");
            // A new period can be refused (EINVAL) while the old quota no longer fits it; then set the quota first.
            var periodErrno = hasPeriod ? CgroupFile.TryWrite(periodFile, CgroupFile.Format(cpu.Period!.Value)) : Errno.None;
            if (hasQuota)
            {
                CgroupFile.Write(quotaFile, CgroupFile.Format(cpu.Quota!.Value));
            }

            if (periodErrno == Errno.EINVAL)
            {
                CgroupFile.Write(periodFile, CgroupFile.Format(cpu.Period!.Value));
            }
            else if (periodErrno != Errno.None)
            {
                throw new CgroupException($"write \"{cpu.Period}\" to", periodFile, periodErrno);
            }
        }
        if (!string.IsNullOrEmpty(cpu.Cpus))
        {
            CgroupFile.Write(System.IO.Path.Combine(RequireDir("cpuset"), "cpuset.cpus"), cpu.Cpus);
        }

        if (!string.IsNullOrEmpty(cpu.Mems))
        {
            CgroupFile.Write(System.IO.Path.Combine(RequireDir("cpuset"), "cpuset.mems"), cpu.Mems);
        }
    }
}
