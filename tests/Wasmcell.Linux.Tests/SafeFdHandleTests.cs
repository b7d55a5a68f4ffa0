using Wasmcell.Linux;

namespace Wasmcell.Linux.Tests;

public sealed class SafeFdHandleTests
{
    [Fact]
    public void Disposing_the_handle_closes_its_fd()
    {
        var (read, write) = Libc.Pipe();
        try
        {
            new SafeFdHandle(write).Dispose();

            // EOF only once every write end is closed.
            Assert.Equal(0, Libc.ReadSome(read, new byte[1]));
        }
        finally
        {
            Libc.Close(read);
        }
    }

    [Fact]
    public void A_detached_fd_stays_open_after_the_handle_is_disposed()
    {
        var (read, write) = Libc.Pipe();
        var handle = new SafeFdHandle(write);
        var detached = (int)handle.Detach();
        handle.Dispose();
        try
        {
            Libc.WriteAll(detached, "x"u8);
            var buffer = new byte[1];
            Assert.Equal(1, Libc.ReadSome(read, buffer));
            Assert.Equal((byte)'x', buffer[0]);
        }
        finally
        {
            Libc.Close(detached);
            Libc.Close(read);
        }
    }

    [Fact]
    public void A_failed_open_gives_an_invalid_handle_and_its_errno()
    {
        var errno = Libc.TryOpen("/nonexistent-wasmcell-path", Libc.O_RDONLY, out var fd);

        Assert.Equal(Errno.ENOENT, errno);
        Assert.True(fd.IsInvalid);
        fd.Dispose();
    }
}
