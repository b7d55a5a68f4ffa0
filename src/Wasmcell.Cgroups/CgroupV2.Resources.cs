using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cgroups;

/// <summary>Applying OCI <c>linux.resources</c> to v2 files (the conversions runc uses).</summary>
public sealed partial class CgroupV2
{
    public void Apply(LinuxResources resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
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
            CgroupFile.Write(FileIn("pids.max"), pids.Limit > 0 ? CgroupFile.Format(pids.Limit) : "max");
        }

        if (resources.Unified is { } unified)
        {
            foreach (var (key, value) in unified)
            {
                // Keys name files of this cgroup; anything path-like could write elsewhere.
                if (key.Length == 0 || key.Contains('/') || key is "." or "..")
                {
                    throw new ArgumentException($"invalid unified key \"{key}\"");
                }

                CgroupFile.Write(FileIn(key), value);
            }
        }
    }

    /// <summary>
    /// v2 has no device files: its device control is a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the
    /// cgroup, which we do not build yet. Rules that allow every device need none; any other list is refused
    /// rather than dropped, since dropping it would give the cell every device a runc container is denied.
    /// </summary>
    public bool ApplyDevices(IReadOnlyList<LinuxDeviceCgroup> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        DeviceRules.Validate(rules); // a malformed rule is named as such, as on v1
        return DeviceRules.FirstRestriction(rules) is null;
    }

    private void ApplyMemory(LinuxMemory memory)
    {
        var limit = memory.Limit ?? 0;
        if (limit != 0)
        {
            CgroupFile.Write(FileIn("memory.max"), limit < 0 ? "max" : CgroupFile.Format(limit));
        }

        if (SwapMax(memory.Swap ?? 0, limit) is { } swapMax)
        {
            CgroupFile.Write(FileIn("memory.swap.max"), swapMax);
        }

        if (memory.Reservation is { } reservation && reservation != 0)
        {
            CgroupFile.Write(FileIn("memory.low"), reservation < 0 ? "max" : CgroupFile.Format(reservation));
        }
        // disableOOMKiller has no v2 counterpart; runc ignores it there too.
    }

    /// <summary>
    /// OCI swap is memory+swap (the v1 memsw meaning); v2's memory.swap.max is swap alone. Null: leave as is.
    /// </summary>
    internal static string? SwapMax(long swap, long limit)
    {
        if (swap == 0 && limit == 0)
        {
            return null;
        }

        if (swap == -1)
        {
            return "max";
        }

        if (swap == 0)
        {
            return limit == -1 ? "max" : null; // an unlimited memory limit lifts swap too
        }

        if (limit == 0 || limit == -1)
        {
            throw new ArgumentException($"memory swap {swap} needs a memory limit (limit is {limit})");
        }

        if (swap < limit)
        {
            throw new ArgumentException($"memory+swap {swap} is below the memory limit {limit}");
        }

        return CgroupFile.Format(swap - limit);
    }

    private void ApplyCpu(LinuxCpu cpu)
    {
        if (cpu.Shares is { } shares && shares != 0)
        {
            CgroupFile.Write(FileIn("cpu.weight"), CgroupFile.Format(CpuWeight.FromShares(shares)));
        }

        var quota = cpu.Quota ?? 0;
        var period = cpu.Period ?? 0;
        if (quota != 0 || period != 0)
        {
            // "$QUOTA $PERIOD"; without a period the kernel keeps the current one.
            var value = quota > 0 ? CgroupFile.Format(quota) : "max";
            if (period != 0)
            {
                value += " " + CgroupFile.Format(period);
            }

            CgroupFile.Write(FileIn("cpu.max"), value);
        }
        if (!string.IsNullOrEmpty(cpu.Cpus))
        {
            CgroupFile.Write(FileIn("cpuset.cpus"), cpu.Cpus);
        }

        if (!string.IsNullOrEmpty(cpu.Mems))
        {
            CgroupFile.Write(FileIn("cpuset.mems"), cpu.Mems);
        }
    }
}
