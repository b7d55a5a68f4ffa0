namespace Wasmcell.Linux;

/// <summary>
/// A connected unix stream socket as a blocking <see cref="Stream"/> over plain read(2) and write(2), whose
/// operations time out by SO_RCVTIMEO and SO_SNDTIMEO: a timeout is an <see cref="IOException"/> wrapping a
/// <see cref="TimeoutException"/>. Owns the fd.
/// </summary>
public sealed unsafe class UnixSocketStream(SafeFdHandle socket) : Stream
{
    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override int Read(Span<byte> buffer)
    {
        var n = Libc.TryRead(socket.Fd, buffer, out var errno);
        return n >= 0 ? n : throw Failure("read", errno);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                var n = Libc.Write(socket.Fd, p + written, buffer.Length - written);
                if (n < 0 && Libc.Errno is var errno && errno != Errno.EINTR)
                {
                    throw Failure("write", errno);
                }
                written += (int)Math.Max(n, 0);
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            socket.Dispose();
        }
        base.Dispose(disposing);
    }

    private static IOException Failure(string call, Errno errno) => errno == Errno.EAGAIN
        ? new IOException($"{call}: timed out", new TimeoutException())
        : new IOException($"{call}: {Libc.ErrorText(errno)}");
}
