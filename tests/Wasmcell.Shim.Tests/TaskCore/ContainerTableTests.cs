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
}
