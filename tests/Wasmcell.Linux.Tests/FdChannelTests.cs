using Wasmcell.Linux;

namespace Wasmcell.Linux.Tests;

public sealed class FdChannelTests : IDisposable
{
    private readonly (int A, int B) _pair = FdChannel.Pair();

    public void Dispose()
    {
        Libc.CloseQuietly(_pair.A);
        Libc.CloseQuietly(_pair.B);
    }

    [Fact]
    public void A_message_arrives_whole_with_working_copies_of_its_fds()
    {
        var (readEnd, writeEnd) = Libc.Pipe();
        FdChannel.Send(_pair.A, "ADD\tx"u8, [writeEnd]);
        Libc.Close(writeEnd); // the receiver's copy keeps the pipe open

        var buffer = new byte[64];
        var fds = new int[4];
        var (length, count) = FdChannel.Receive(_pair.B, buffer, fds);

        Assert.Equal("ADD\tx", System.Text.Encoding.UTF8.GetString(buffer, 0, length));
        Assert.Equal(1, count);
        Libc.WriteAll(fds[0], "through the copy"u8);
        Libc.Close(fds[0]);
        var read = new byte[64];
        Assert.Equal("through the copy", System.Text.Encoding.UTF8.GetString(read, 0, Libc.ReadSome(readEnd, read)));
        Libc.Close(readEnd);
    }

    [Fact]
    public void Messages_keep_their_boundaries_and_the_end_of_the_channel_reads_as_nothing()
    {
        FdChannel.Send(_pair.A, "one"u8, []);
        FdChannel.Send(_pair.A, "two"u8, []);
        Libc.Close(_pair.A);

        var buffer = new byte[64];
        Assert.Equal((3, 0), FdChannel.Receive(_pair.B, buffer, new int[1]));
        Assert.Equal((3, 0), FdChannel.Receive(_pair.B, buffer, new int[1]));
        Assert.Equal((0, 0), FdChannel.Receive(_pair.B, buffer, new int[1]));
    }

    [Fact]
    public void A_message_with_more_fds_than_the_receiver_takes_is_an_error_and_leaks_none()
    {
        var (r, w) = Libc.Pipe();
        FdChannel.Send(_pair.A, "x"u8, [r, w]);
        Libc.Close(r);
        Libc.Close(w);
        var before = Directory.GetFiles("/proc/self/fd").Length;

        Assert.Throws<IOException>(() => FdChannel.Receive(_pair.B, new byte[8], new int[1]));

        Assert.Equal(before, Directory.GetFiles("/proc/self/fd").Length);
    }
}
