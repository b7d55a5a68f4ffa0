namespace Wasmcell.Runtime.Components.Http;

/// <summary>The host resource types a proxy's imports use; the number is the type Wasmtime tags each handle with.</summary>
internal enum ResourceKind : uint
{
    IoError = 1, Pollable, InputStream, OutputStream,
    Fields, IncomingRequest, OutgoingRequest, RequestOptions, ResponseOutparam, IncomingResponse, IncomingBody,
    FutureTrailers, OutgoingResponse, OutgoingBody, FutureIncomingResponse,
}

/// <summary>
/// One request's host objects behind the guest's resource handles: the rep Wasmtime stores is an index here,
/// which the guest can neither forge nor read. Bounded, as a guest creating resources in a loop must fail rather
/// than eat the cell's memory.
/// </summary>
internal sealed class HostResources
{
    /// <summary>Far above what a request needs (the JS test component holds a few dozen at once).</summary>
    public const int MaxLive = 100_000;

    private readonly List<(ResourceKind Kind, object? Value)> _slots = [(0, null)];
    private readonly Stack<uint> _free = new();
    private int _live;

    public uint Add(ResourceKind kind, object value)
    {
        if (_live >= MaxLive)
        {
            throw new InvalidOperationException($"more than {MaxLive} live host resources in one request");
        }
        _live++;
        if (_free.TryPop(out var rep))
        {
            _slots[(int)rep] = (kind, value);
            return rep;
        }
        _slots.Add((kind, value));
        return (uint)(_slots.Count - 1);
    }

    public T Get<T>(uint rep, ResourceKind kind) where T : class =>
        rep < _slots.Count && _slots[(int)rep] is { Value: T value } slot && slot.Kind == kind
            ? value
            : throw new InvalidOperationException($"no {kind} resource {rep}");

    /// <summary>Forgets the handle: the guest dropped it (<paramref name="dispose"/>), or ownership came back to the host.</summary>
    public object? Remove(uint rep, bool dispose = false)
    {
        if (rep == 0 || rep >= _slots.Count || _slots[(int)rep].Value is not { } value)
        {
            return null;
        }
        _slots[(int)rep] = (0, null);
        _free.Push(rep);
        _live--;
        if (dispose)
        {
            (value as IDisposable)?.Dispose();
        }
        return value;
    }
}
