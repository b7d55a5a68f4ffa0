using Wasmcell.Linux;

namespace Wasmcell.Shim.Tests;

/// <summary>
/// A daemon serving several containers writes its log into whichever container's `log` FIFO containerd still
/// reads; here "containerd" is a non-blocking reader per FIFO, closed when its container's connection would be.
/// </summary>
public sealed class ShimLogTests : IDisposable
{
    private readonly ScratchFifo _first = new("log");
    private readonly ScratchFifo _second = new("log");
    private readonly List<int> _readers = [];

    public void Dispose()
    {
        _readers.ForEach(Libc.CloseQuietly);
        _first.Dispose();
        _second.Dispose();
    }

    [Fact]
    public void Lines_go_to_the_newest_container_s_fifo_and_to_an_older_one_once_containerd_stops_reading_it()
    {
        var first = Read(_first);
        var second = Read(_second);
        var log = new ShimLog(Bundle(_first), debug: false);
        log.Attach(Bundle(_second));

        log.Info("one");
        var toSecond = Drain(second);
        var toFirst = Drain(first);
        Libc.Close(second);
        _readers.Remove(second);
        log.Info("two");

        Assert.Contains("level=info msg=\"one\"", toSecond);
        Assert.Equal("", toFirst);
        Assert.Contains("level=info msg=\"two\"", Drain(first));
    }

    [Fact]
    public void The_first_container_s_fifo_going_deaf_loses_nothing_while_another_container_is_served()
    {
        var first = Read(_first);
        var second = Read(_second);
        var log = new ShimLog(Bundle(_first), debug: false);
        log.Attach(Bundle(_second));

        // The first container is deleted: the daemon stops writing its FIFO and containerd stops reading it.
        log.Detach(Bundle(_first));
        Libc.Close(first);
        _readers.Remove(first);
        log.Warn("create c3 failed: a broken module");

        Assert.Contains("level=warning msg=\"create c3 failed: a broken module\"", Drain(second));
    }

    [Fact]
    public void A_detached_fifo_is_not_written_and_nothing_is_written_once_every_container_is_gone()
    {
        var first = Read(_first);
        var log = new ShimLog(Bundle(_first), debug: false);

        log.Detach(Bundle(_first));
        log.Info("after");

        Assert.Equal("", Drain(first));
    }

    private static string Bundle(ScratchFifo fifo) => Path.GetDirectoryName(fifo.Path)!;

    private int Read(ScratchFifo fifo)
    {
        var fd = Libc.Open(fifo.Path, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        Assert.True(fd >= 0, $"open {fifo.Path}");
        _readers.Add(fd);
        return fd;
    }

    private static string Drain(int fd)
    {
        var buffer = new byte[8192];
        var n = Libc.ReadSome(fd, buffer);
        return n > 0 ? System.Text.Encoding.UTF8.GetString(buffer, 0, n) : "";
    }
}
