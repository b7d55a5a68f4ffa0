using Wasmcell.Shim.Processes;

namespace Wasmcell.Shim.Tests;

public sealed class ExitStatusTests
{
    [Theory]
    [InlineData(0x0000, 0u)]
    [InlineData(0x2a00, 42u)]
    [InlineData(0x0009, 137u)]   // killed by SIGKILL
    [InlineData(0x000f, 143u)]   // killed by SIGTERM
    [InlineData(0x0086, 134u)]   // SIGABRT with core dump bit
    public void Wait_status_maps_to_container_exit_code(int status, uint expected) =>
        Assert.Equal(expected, ExitStatus.FromWaitStatus(status, DateTimeOffset.UnixEpoch).Code);
}
