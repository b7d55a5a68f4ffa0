using Wasmcell.Linux;
using Wasmcell.Shim.Containers;

namespace Wasmcell.Shim.Tests;

/// <summary>
/// The exit report's wait for the client to read the output's tail, on a real FIFO: ctr drops whatever is
/// still in the pipe once Wait returns, so the shim must not report the exit before the client caught up.
/// </summary>
public sealed class ContainerStdioTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);
    private readonly ScratchFifo _scratch = new("stdout");
    private readonly string _stdout;

    public ContainerStdioTests() => _stdout = _scratch.Path;

    public void Dispose() => _scratch.Dispose();

    // The client's reader, opened first as ctr does (non-blocking open, then blocking reads).
    private FileStream ClientReader() =>
        new(new Microsoft.Win32.SafeHandles.SafeFileHandle(Libc.Open(_stdout, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0), ownsHandle: true),
            FileAccess.Read, bufferSize: 0);

    [Fact]
    public async Task Exit_waits_until_the_client_has_read_the_tail()
    {
        using var client = ClientReader();
        using var stdio = ContainerStdio.Open("", "fifo://" + _stdout, "");
        Libc.WriteAll(stdio.Stdout, "the last lines\n"u8); // then the process exited

        var waiting = stdio.WaitOutputReadAsync(HangGuard);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted, "reported the exit with output still unread");

        var buffer = new byte[64];
        Assert.Equal(15, client.Read(buffer));
        await waiting.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task A_client_whose_reader_opens_only_after_the_exit_reads_everything_then_eof()
    {
        // ctr opens its readers with a blocking open in the background: one that runs after the process
        // has exited must still find a writer (the shim's), or it waits forever and the output is lost.
        using var stdio = ContainerStdio.Open("", "fifo://" + _stdout, ""); // no reader yet: O_RDWR
        Libc.WriteAll(stdio.Stdout, "written before anyone read\n"u8);
        var waiting = stdio.WaitOutputReadAsync(HangGuard);

        using var late = await Task.Run(() => new FileStream(_stdout, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0))
            .WaitAsync(HangGuard);
        var buffer = new byte[64];
        Assert.Equal("written before anyone read\n", System.Text.Encoding.ASCII.GetString(buffer, 0, late.Read(buffer)));
        await waiting.WaitAsync(HangGuard);
        stdio.CloseOutput();

        Assert.Equal(0, await late.ReadAsync(buffer).AsTask().WaitAsync(HangGuard)); // EOF once the shim let go
    }

    [Fact]
    public async Task Exit_is_not_held_back_by_a_client_that_does_not_read()
    {
        using var client = ClientReader();
        using var stdio = ContainerStdio.Open("", "fifo://" + _stdout, "");
        Libc.WriteAll(stdio.Stdout, "nobody reads this\n"u8);

        await stdio.WaitOutputReadAsync(TimeSpan.FromMilliseconds(20)).WaitAsync(HangGuard);
    }

    [Fact]
    public async Task Output_already_read_or_in_a_file_needs_no_wait()
    {
        var file = _scratch.Beside("log");
        using (var stdio = ContainerStdio.Open("", "file://" + file, ""))
        {
            Libc.WriteAll(stdio.Stdout, "to a file\n"u8);
            await stdio.WaitOutputReadAsync(TimeSpan.MaxValue).WaitAsync(HangGuard);
        }
        using var client = ClientReader();
        using (var stdio = ContainerStdio.Open("", "fifo://" + _stdout, ""))
        {
            await stdio.WaitOutputReadAsync(TimeSpan.MaxValue).WaitAsync(HangGuard);
        }
        Assert.Equal("to a file\n", File.ReadAllText(file));
    }
}
