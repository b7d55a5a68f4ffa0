using System.Text;
using Microsoft.Win32.SafeHandles;
using Wasmcell.Linux;
using Wasmcell.Shim.Containers;

namespace Wasmcell.Shim.Tests;

/// <summary>
/// The stdin relay on real FIFOs and pipes: the "client" writes the FIFO as ctr and CRI do, the "process"
/// reads the pipe. What CloseIO may and may not do to bytes already sent is the point of most of these.
/// </summary>
public sealed class StdinRelayTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);
    private readonly ScratchFifo _scratch = new("stdin");
    private readonly string _fifo;

    public StdinRelayTests() => _fifo = _scratch.Path;

    public void Dispose() => _scratch.Dispose();

    private (StdinRelay Relay, FileStream Process) Open()
    {
        var (r, w) = Libc.Pipe();
        var relay = StdinRelay.Open(_fifo, w);
        return (relay, new FileStream(new SafeFileHandle(r, ownsHandle: true), FileAccess.Read, bufferSize: 0));
    }

    private FileStream Client() => new(_fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);

    private static async Task<string> ReadToEofAsync(FileStream process)
    {
        using var reader = new StreamReader(process, Encoding.ASCII);
        return await reader.ReadToEndAsync().WaitAsync(HangGuard);
    }

    private static string Lines(int count, string tag) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"{tag} line {i}\n"));

    [Fact]
    public async Task CloseIO_before_the_copy_ran_loses_nothing_written_before_it()
    {
        // ctr: writes everything, sends CloseIO, closes its writer; the copy may not have run at all yet.
        var (relay, process) = Open();
        var sent = Lines(3000, "early"); // ~50 KiB: all of it waits in the FIFO
        using (var client = Client())
        {
            client.Write(Encoding.ASCII.GetBytes(sent));
            relay.CloseInput();
        }

        relay.Start();

        Assert.Equal(sent, await ReadToEofAsync(process));
        relay.Dispose();
    }

    [Fact]
    public async Task More_than_the_pipes_hold_streams_through_and_ends_with_eof()
    {
        var (relay, process) = Open();
        relay.Start();
        var sent = Lines(40_000, "big"); // ~0.6 MiB: FIFO and pipe fill up many times
        var reading = ReadToEofAsync(process);
        using (var client = Client())
        {
            await client.WriteAsync(Encoding.ASCII.GetBytes(sent)).AsTask().WaitAsync(HangGuard);
            relay.CloseInput();
        }

        Assert.Equal(sent, await reading);
        relay.Dispose();
    }

    [Fact]
    public async Task A_client_that_leaves_without_CloseIO_does_not_end_stdin_for_the_next_one()
    {
        // kubectl attach: clients come and go; only CloseIO (or the hold's owner, the shim) ends stdin.
        var (relay, process) = Open();
        relay.Start();
        var reading = ReadToEofAsync(process);
        using (var first = Client())
        {
            first.Write("first\n"u8);
        }
        using var second = Client();
        second.Write("second\n"u8);

        relay.CloseInput();

        // EOF although the second client keeps its writer open: CloseIO said there is no more input.
        Assert.Equal("first\nsecond\n", await reading);
        relay.Dispose();
    }

    [Fact]
    public async Task Dispose_stops_a_copy_that_waits_on_a_client_that_never_closes()
    {
        var (relay, process) = Open();
        relay.Start();
        using var client = Client();
        client.Write("partial\n"u8);
        var reading = ReadToEofAsync(process);

        relay.Dispose();

        // The copy thread closed the pipe's write end: the process sees EOF although the client stays.
        // Whether "partial" got through before Dispose is a race; Dispose drops what is still in the FIFO.
        Assert.Contains(await reading, new[] { "", "partial\n" });
    }

    [Fact]
    public void A_missing_fifo_fails_with_its_path_and_closes_the_pipe()
    {
        var (r, w) = Libc.Pipe();
        using var process = new FileStream(new SafeFileHandle(r, ownsHandle: true), FileAccess.Read, bufferSize: 0);
        var missing = _scratch.Beside("nope");

        var ex = Assert.Throws<IOException>(() => StdinRelay.Open(missing, w));

        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, process.Read(new byte[1])); // w was closed: EOF at once
    }

    [Fact]
    public async Task Dispose_before_Start_closes_everything_and_the_process_sees_eof()
    {
        var (relay, process) = Open();

        relay.Dispose();
        relay.Start(); // no effect once disposed

        Assert.Equal("", await ReadToEofAsync(process));
    }
}
