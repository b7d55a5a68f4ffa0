namespace Wasmcell.Cgroups;

/// <summary>v1 cpu.shares to v2 cpu.weight.</summary>
public static class CpuWeight
{
    /// <summary>
    /// Maps shares [2, 262144] linearly onto weight [1, 10000], the conversion runc and crun use, so the
    /// same pod spec gives the same weight under every runtime (1024 shares, the default, becomes 39).
    /// </summary>
    public static ulong FromShares(ulong shares)
    {
        shares = Math.Clamp(shares, 2UL, 262144UL);
        return 1 + (shares - 2) * 9999 / 262142;
    }
}
