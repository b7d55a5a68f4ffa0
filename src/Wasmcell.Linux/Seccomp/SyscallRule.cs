namespace Wasmcell.Linux.Seccomp;

/// <summary>
/// System call <see cref="Number"/> gets <see cref="Action"/> when every condition holds (no conditions: always).
/// Rules for the same number are tried in order; a call no rule matches gets the filter's default action.
/// </summary>
public sealed record SyscallRule(int Number, uint Action, IReadOnlyList<ArgCondition> Conditions)
{
    public SyscallRule(int number, uint action)
        : this(number, action, [])
    {
    }
}
