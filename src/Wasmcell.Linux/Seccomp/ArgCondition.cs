namespace Wasmcell.Linux.Seccomp;

/// <summary>How a system call argument is compared (the OCI profile's SCMP_CMP_* operators).</summary>
public enum ArgOp
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    /// <summary>(argument &amp; <see cref="ArgCondition.Value"/>) == <see cref="ArgCondition.ValueTwo"/>.</summary>
    MaskedEqual,
}

/// <summary>
/// One test of argument <see cref="Index"/> (0-5) of a system call, unsigned. <see cref="LowWordOnly"/> compares
/// only the low 32 bits: for C <c>int</c> arguments such as a pid or a socket domain, whose upper register half
/// the ABI leaves undefined.
/// </summary>
public readonly record struct ArgCondition(int Index, ArgOp Op, ulong Value, ulong ValueTwo = 0, bool LowWordOnly = false);
