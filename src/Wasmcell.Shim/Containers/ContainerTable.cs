using System.Collections.Concurrent;

namespace Wasmcell.Shim.Containers;

/// <summary>The shim's tasks by id. Lookups only; no lock is held across process, mount or event work.</summary>
public sealed class ContainerTable
{
    private readonly ConcurrentDictionary<string, Container> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _creating = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private bool _closed;

    public int Count => _byId.Count + _creating.Count;

    public Container Get(string id) =>
        _byId.TryGetValue(id, out var c) ? c : throw new TaskException(TaskErrorKind.NotFound, $"container {id}: not found");

    public bool TryGet(string id, out Container container) => _byId.TryGetValue(id, out container!);

    /// <summary>Reserves an id for a Create in progress, so a concurrent duplicate fails fast.</summary>
    public void Reserve(string id)
    {
        lock (_gate)
        {
            if (_closed)
            {
                throw new TaskException(TaskErrorKind.FailedPrecondition, $"container {id}: this shim is exiting (it was idle); create it again");
            }
            if (_byId.ContainsKey(id) || !_creating.TryAdd(id, 0))
            {
                throw new TaskException(TaskErrorKind.AlreadyExists, $"container {id}: already exists");
            }
        }
    }

    /// <summary>Refuses every later Create if the table is empty now; false (and nothing changes) otherwise.</summary>
    public bool TryClose()
    {
        lock (_gate)
        {
            _closed = Count == 0;
            return _closed;
        }
    }

    public void Commit(Container container)
    {
        _byId[container.Id] = container;
        _creating.TryRemove(container.Id, out _);
    }

    public void Release(string id) => _creating.TryRemove(id, out _);

    public void Remove(string id) => _byId.TryRemove(id, out _);

    public IReadOnlyCollection<Container> All => [.. _byId.Values];
}
