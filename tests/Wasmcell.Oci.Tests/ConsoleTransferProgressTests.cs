using Wasmcell.Oci.Registry;

namespace Wasmcell.Oci.Tests;

public sealed class ConsoleTransferProgressTests
{
    private const string Digest = "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

    [Fact]
    public void Large_transfer_prints_its_completion()
    {
        var output = new StringWriter();
        var progress = new ConsoleTransferProgress(output, interactive: false);
        progress.Report(new TransferProgress(Digest, 1 << 20, 4 << 20));
        progress.Report(new TransferProgress(Digest, 4 << 20, 4 << 20));
        Assert.Equal("sha256:abcdef012345  4.0/4.0 MiB  100%\n", output.ToString());
    }

    [Fact]
    public void Small_transfer_prints_nothing()
    {
        var output = new StringWriter();
        new ConsoleTransferProgress(output, interactive: true).Report(new TransferProgress(Digest, 1000, 1000));
        Assert.Empty(output.ToString());
    }
}
