namespace Wasmcell.Cgroups;

/// <summary>How v1 spells "no limit".</summary>
public static class V1Limits
{
    /// <summary>
    /// Unlimited memory reads back as PAGE_COUNTER_MAX in bytes (0x7FFFFFFFFFFFF000 with 4 KiB pages), not as -1;
    /// anything from 2^62 up is no real limit on any machine.
    /// </summary>
    public static bool IsUnlimited(ulong value) => value >= 1UL << 62;
}
