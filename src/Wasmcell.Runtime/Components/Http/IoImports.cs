using System.Buffers;

namespace Wasmcell.Runtime.Components.Http;

/// <summary>
/// wasi:io error, poll and streams. Reads and writes move at most <see cref="ChunkBytes"/> per call: a body streams in
/// bounded chunks whatever its size, and check-write tells the guest so.
/// </summary>
internal static class IoImports
{
    /// <summary>
    /// 64 KiB per read or write: Wasmtime's value model costs one 32-byte value per byte of a list&lt;u8&gt; (2 MiB of
    /// values for a full chunk), which stays bounded per call while keeping calls per MiB at 16.
    /// </summary>
    public const int ChunkBytes = 64 * 1024;

    public static readonly ImportInterface Error = new("wasi:io/error",
        [("error", ResourceKind.IoError)],
        [("[method]error.to-debug-string", c => c.Return(ComponentVal.OfString(c.Borrow<IoError>(0, ResourceKind.IoError).Message)))]);

    public static readonly ImportInterface Poll = new("wasi:io/poll",
        [("pollable", ResourceKind.Pollable)],
        [
            ("[method]pollable.ready", c => c.Return(ComponentVal.OfBool(c.Borrow<Pollable>(0, ResourceKind.Pollable).IsReady))),
            ("[method]pollable.block", c => c.Borrow<Pollable>(0, ResourceKind.Pollable).Block(c.State.Stopping)),
            ("poll", PollList),
        ]);

    public static readonly ImportInterface Streams = new("wasi:io/streams",
        [("input-stream", ResourceKind.InputStream), ("output-stream", ResourceKind.OutputStream)],
        [
            ("[method]input-stream.read", Read),
            ("[method]input-stream.blocking-read", Read),
            ("[method]input-stream.skip", Skip),
            ("[method]input-stream.blocking-skip", Skip),
            ("[method]input-stream.subscribe", SubscribeInput),
            ("[method]output-stream.check-write", c => { c.Borrow<OutputStream>(0, ResourceKind.OutputStream); c.Return(ComponentVal.Ok(ComponentVal.OfU64(ChunkBytes))); }),
            ("[method]output-stream.write", Write),
            ("[method]output-stream.blocking-write-and-flush", Write),
            ("[method]output-stream.flush", Flush),
            ("[method]output-stream.blocking-flush", Flush),
            ("[method]output-stream.subscribe", SubscribeOutput),
            ("[method]output-stream.write-zeroes", WriteZeroes),
            ("[method]output-stream.blocking-write-zeroes-and-flush", WriteZeroes),
            ("[method]output-stream.splice", Splice),
            ("[method]output-stream.blocking-splice", Splice),
        ]);

    private static void PollList(HostCall c)
    {
        ref var list = ref c.Arg(0);
        if (list.Count == 0)
        {
            throw new InvalidOperationException("poll of an empty list");
        }
        var pollables = new Pollable[list.Count];
        for (var i = 0; i < pollables.Length; i++)
        {
            pollables[i] = c.Borrow<Pollable>(ref list.Element(i), ResourceKind.Pollable);
        }
        while (true)
        {
            var ready = new List<ComponentVal>();
            for (var i = 0; i < pollables.Length; i++)
            {
                if (pollables[i].IsReady)
                {
                    ready.Add(ComponentVal.OfU32((uint)i));
                }
            }
            if (ready.Count > 0)
            {
                c.Return(ComponentVal.OfList([.. ready]));
                return;
            }
            Pollable.WaitForAny(pollables, c.State.Stopping);
        }
    }

    private static void SubscribeInput(HostCall c)
    {
        c.Borrow<InputStream>(0, ResourceKind.InputStream);
        c.Return(c.Own(ResourceKind.Pollable, Pollable.Ready()));
    }

    private static void SubscribeOutput(HostCall c)
    {
        c.Borrow<OutputStream>(0, ResourceKind.OutputStream);
        c.Return(c.Own(ResourceKind.Pollable, Pollable.Ready()));
    }

    private static void Read(HostCall c) => ReadChunk(c, asBytes: true);

    private static void Skip(HostCall c) => ReadChunk(c, asBytes: false);

    /// <summary>read and skip: at most <see cref="ChunkBytes"/>, the bytes themselves or their count.</summary>
    private static void ReadChunk(HostCall c, bool asBytes)
    {
        var stream = c.Borrow<InputStream>(0, ResourceKind.InputStream);
        var want = (int)Math.Min(c.Arg(1).U64, ChunkBytes);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(want, 1));
        try
        {
            var n = want == 0 ? 0 : stream.Read(buffer.AsSpan(0, want));
            c.Return(n == 0 && want > 0 ? ComponentVal.Err(Closed())
                : ComponentVal.Ok(asBytes ? ComponentVal.OfBytes(buffer.AsSpan(0, n)) : ComponentVal.OfU64((ulong)n)));
        }
        catch (IOException e)
        {
            c.Return(ComponentVal.Err(Failed(c, e)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Write(HostCall c)
    {
        var stream = c.Borrow<OutputStream>(0, ResourceKind.OutputStream);
        ref var contents = ref c.Arg(1);
        var n = contents.Count;
        if (n > ChunkBytes)
        {
            // More than check-write permitted: the guest broke the stream's contract.
            throw new InvalidOperationException($"output-stream.write of {n} bytes, more than check-write's {ChunkBytes}");
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(n, 1));
        try
        {
            contents.CopyBytes(buffer);
            stream.Write(buffer.AsSpan(0, n));
            c.Return(ComponentVal.Ok());
        }
        catch (IOException e)
        {
            c.Return(ComponentVal.Err(Failed(c, e)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Flush(HostCall c)
    {
        c.Borrow<OutputStream>(0, ResourceKind.OutputStream);
        c.Return(ComponentVal.Ok());
    }

    private static void WriteZeroes(HostCall c)
    {
        var stream = c.Borrow<OutputStream>(0, ResourceKind.OutputStream);
        var n = c.Arg(1).U64;
        if (n > ChunkBytes)
        {
            throw new InvalidOperationException($"output-stream.write-zeroes of {n} bytes, more than check-write's {ChunkBytes}");
        }
        try
        {
            stream.Write(new byte[n]);
            c.Return(ComponentVal.Ok());
        }
        catch (IOException e)
        {
            c.Return(ComponentVal.Err(Failed(c, e)));
        }
    }

    private static void Splice(HostCall c)
    {
        var output = c.Borrow<OutputStream>(0, ResourceKind.OutputStream);
        var input = c.Borrow<InputStream>(1, ResourceKind.InputStream);
        var want = (int)Math.Min(c.Arg(2).U64, ChunkBytes);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(want, 1));
        try
        {
            var n = want == 0 ? 0 : input.Read(buffer.AsSpan(0, want));
            if (n == 0 && want > 0)
            {
                c.Return(ComponentVal.Err(Closed()));
                return;
            }
            output.Write(buffer.AsSpan(0, n));
            c.Return(ComponentVal.Ok(ComponentVal.OfU64((ulong)n)));
        }
        catch (IOException e)
        {
            c.Return(ComponentVal.Err(Failed(c, e)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>stream-error.closed.</summary>
    public static ComponentVal Closed() => ComponentVal.Variant("closed");

    /// <summary>stream-error.last-operation-failed(error).</summary>
    private static ComponentVal Failed(HostCall c, IOException e) =>
        ComponentVal.Variant("last-operation-failed", c.Own(ResourceKind.IoError, IoError.From(e)));
}
