using System.IO.Pipelines;

namespace Wasmcell.Ttrpc;

/// <summary>Pipe settings shared by client and server.</summary>
internal static class Pipes
{
    // 64 KiB segments: a 4 MiB frame takes 64 reads, a typical (< 1 KiB) frame one.
    public static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 64 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true);
}
