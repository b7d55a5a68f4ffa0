using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// A trap ends the container with a documented non-zero exit code (134 planned; asserted here as "not 0,
/// not 137": a trap is not a kill) and the trap message on the container's stderr. Wasm only: traps have
/// no native twin.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimTrapTests(PrivateContainerd containerd)
{
    [Theory]
    [InlineData("trap-unreachable.wasm", "about to trap", "unreachable")]
    [InlineData("stack-overflow.wasm", "recursing", "call stack exhausted|stack overflow")]
    [InlineData("oob.wasm", "loading out of bounds", "out of bounds")]
    public async Task Trap_exits_non_zero_with_the_trap_message_on_stderr(string module, string guestLine, string trapPattern)
    {
        var id = containerd.NewId("trap");
        var r = await containerd.RunAsync(containerd.Request(Flavor.Wasm, id, ["/" + module]));

        Assert.False(r.TimedOut, r.Describe());
        Assert.True(r.ExitCode != 0 && r.ExitCode != 137, $"a trap must give a documented non-zero code, not {r.ExitCode}: " + r.Describe());
        Assert.Contains(guestLine, r.Stderr, StringComparison.Ordinal); // the guest's own output before the trap
        Assert.Matches("(?i)" + trapPattern, r.Stderr);
        var left = await LeakCheck.LeftoversAsync(containerd, [id]);
        Assert.True(left.Count == 0, LeakCheck.Describe(left));
    }
}
