using Wasmcell.Wasi.Abi;

namespace Wasmcell.Wasi.Sys;

/// <summary>
/// The guest's descriptor table. Bounded, so a guest cannot make the host hold unlimited host fds
/// (each entry pins a kernel fd; the process limit is shared with the runtime itself). New fds get
/// the lowest free number, as POSIX does, which is what guests that hard-code "3 is the first
/// preopen" expect.
/// </summary>
internal sealed class FdTable : IDisposable
{
    /// <summary>1024 guest fds per cell: far above what WASI apps open (the suites use a few dozen),
    /// small enough that one cell cannot exhaust the host process's fd limit.</summary>
    public const int DefaultCapacity = 1024;

    private readonly List<FdEntry?> _entries = new();
    private readonly int _capacity;

    public FdTable(int capacity = DefaultCapacity) => _capacity = capacity;

    public bool TryGet(int fd, out FdEntry entry)
    {
        if ((uint)fd < (uint)_entries.Count && _entries[fd] is { } e) { entry = e; return true; }
        entry = null!;
        return false;
    }

    /// <summary>Inserts at the lowest free number; ENFILE when the table is full (entry not consumed).</summary>
    public Errno Insert(FdEntry entry, out int fd)
    {
        for (fd = 0; fd < _entries.Count; fd++)
        {
            if (_entries[fd] is null) { _entries[fd] = entry; return Errno.Success; }
        }

        if (_entries.Count >= _capacity) { fd = -1; return Errno.NFile; }
        _entries.Add(entry);
        fd = _entries.Count - 1;
        return Errno.Success;
    }

    /// <summary>
    /// Puts `entry` at exactly `fd`, closing what was there (dup2 of ABIs that have it: Emscripten's
    /// nginx moves its error log onto fd 2). EBADF beyond the capacity; the entry is not consumed then.
    /// </summary>
    public Errno Place(int fd, FdEntry entry)
    {
        if ((uint)fd >= (uint)_capacity)
        {
            return Errno.BadF;
        }

        while (_entries.Count <= fd)
        {
            _entries.Add(null);
        }

        if (_entries[fd] is { } old)
        {
            Libc.Close(old.HostFd);
        }

        _entries[fd] = entry;
        return Errno.Success;
    }

    /// <summary>Removes and closes; EBADF when not open.</summary>
    public Errno Close(int fd)
    {
        if (!TryGet(fd, out var entry))
        {
            return Errno.BadF;
        }

        _entries[fd] = null;
        Libc.Close(entry.HostFd);
        TrimTail();
        return Errno.Success;
    }

    /// <summary>fd_renumber: `to` must be open; it is closed and replaced by `from`.</summary>
    public Errno Renumber(int from, int to)
    {
        if (!TryGet(from, out var entry) || !TryGet(to, out var old))
        {
            return Errno.BadF;
        }

        if (from == to)
        {
            return Errno.Success;
        }

        Libc.Close(old.HostFd);
        _entries[to] = entry;
        _entries[from] = null;
        TrimTail();
        return Errno.Success;
    }

    private void TrimTail()
    {
        while (_entries.Count > 0 && _entries[^1] is null)
        {
            _entries.RemoveAt(_entries.Count - 1);
        }
    }

    public void Dispose()
    {
        foreach (var e in _entries)
        {
            if (e is not null)
            {
                Libc.Close(e.HostFd);
            }
        }

        _entries.Clear();
    }
}
