using Wasmcell.Shim.Containers;

namespace Wasmcell.Shim.Tests.TaskCore;

public sealed class ContainerTableTests
{
    [Fact]
    public void A_table_closes_only_when_empty_and_then_refuses_every_create()
    {
        var table = new ContainerTable();
        table.Reserve("a");
        Assert.False(table.TryClose()); // a Create in progress

        table.Release("a");
        Assert.True(table.TryClose());

        var e = Assert.Throws<TaskException>(() => table.Reserve("b"));
        Assert.Equal(TaskErrorKind.FailedPrecondition, e.Kind);
        Assert.Contains("this shim is exiting", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expected_create_keeps_the_table_open_until_it_comes_or_lapses_and_a_closed_table_refuses_expectations()
    {
        var table = new ContainerTable(expectationLifetime: TimeSpan.FromMilliseconds(200));
        table.Expect("a");
        Assert.Equal(1, table.Count);
        Assert.False(table.TryClose()); // a launcher promised containerd this shim for "a"

        table.Reserve("a"); // its Create: the expectation becomes a Create in progress
        table.Release("a");
        Assert.True(table.TryClose());
        var refused = Assert.Throws<TaskException>(() => table.Expect("b"));
        Assert.Equal(TaskErrorKind.FailedPrecondition, refused.Kind);

        var lapsing = new ContainerTable(expectationLifetime: TimeSpan.FromMilliseconds(50));
        lapsing.Expect("c");
        await Task.Delay(200);
        Assert.Equal(0, lapsing.Count);
        Assert.True(lapsing.TryClose());
    }
}
