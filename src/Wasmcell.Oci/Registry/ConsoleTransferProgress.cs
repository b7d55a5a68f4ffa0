using System.Diagnostics;

namespace Wasmcell.Oci.Registry;

/// <summary>
/// A one-line progress display for large transfers (≥ 1 MiB), redrawn at most ten times a second on
/// a terminal's stderr; small blobs and non-terminal output print nothing but the final line.
/// </summary>
public sealed class ConsoleTransferProgress(TextWriter output, bool interactive) : IProgress<TransferProgress>
{
    private const long LargeTransfer = 1024 * 1024;
    private readonly Lock _lock = new();
    private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();

    public void Report(TransferProgress value)
    {
        if (value.Total < LargeTransfer)
        {
            return;
        }

        lock (_lock)
        {
            var done = value.Transferred >= value.Total;
            if (!done && (!interactive || _sinceDraw.ElapsedMilliseconds < 100))
            {
                return;
            }

            _sinceDraw.Restart();
            var line = $"{value.Digest[..Math.Min(19, value.Digest.Length)]}  {Mib(value.Transferred)}/{Mib(value.Total)} MiB  {100 * value.Transferred / Math.Max(1, value.Total),3}%";
            output.Write(interactive ? "\r" + line + (done ? "\n" : string.Empty) : line + "\n");
            output.Flush();
        }
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}
