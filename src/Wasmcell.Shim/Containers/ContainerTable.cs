using System.Collections.Concurrent;

namespace Wasmcell.Shim.Containers;

/// <summary>The shim's tasks by id. Lookups only; no lock is held across process, mount or event work.</summary>
public sealed class ContainerTable
{
    private readonly ConcurrentDictionary<string, Container> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _creating = new(StringComparer.Ordinal);
    // Ids a launcher has promised containerd this shim serves, with when the promise lapses (Environment.TickCount64).
    private readonly ConcurrentDictionary<string, long> _expected = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private bool _closed;

    private readonly TimeSpan _expectationLifetime;

    /// <param name="expectationLifetime">How long an expected id holds the table open without its Create (tests shorten it).</param>
    public ContainerTable(TimeSpan? expectationLifetime = null) => _expectationLifetime = expectationLifetime ?? ExpectationLifetime;

    /// <summary>How long an expected id (<see cref="Expect"/>) holds the shim open without its Create.</summary>
    public static readonly TimeSpan ExpectationLifetime = TimeSpan.FromSeconds(30);

    /// <summary>Tasks, Creates in progress, and Creates a launcher announced that have not lapsed.</summary>
    public int Count
    {
        get
        {
            var now = Environment.TickCount64;
            foreach (var (id, until) in _expected)
            {
                if (until <= now)
                {
                    _expected.TryRemove(new KeyValuePair<string, long>(id, until));
                }
            }
            return _byId.Count + _creating.Count + _expected.Count;
        }
    }

    /// <summary>
    /// A launcher told containerd to create <paramref name="id"/> here: until that Create comes (or the expectation
    /// lapses) the shim must not retire. Throws once the shim is retiring: the launcher then starts a new one.
    /// </summary>
    public void Expect(string id)
    {
        lock (_gate)
        {
            if (_closed)
            {
                throw new TaskException(TaskErrorKind.FailedPrecondition, $"container {id}: this shim is exiting; start another");
            }
            _expected[id] = Environment.TickCount64 + (long)_expectationLifetime.TotalMilliseconds;
        }
    }

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
            _expected.TryRemove(id, out _);
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
