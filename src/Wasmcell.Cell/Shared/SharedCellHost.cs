using Microsoft.Win32.SafeHandles;
using Wasmcell.Cell.Protocol;
using Wasmcell.Linux;
using Wasmcell.Runtime;

namespace Wasmcell.Cell.Shared;

/// <summary>
/// The shared cell's control loop: reads the daemon's commands (SharedCellMessage) on one thread, loads each added
/// container on a worker (a compile must not hold up another container's KILL), and reports readiness and exits.
/// </summary>
internal sealed class SharedCellHost(WasmEngine engine, int control)
{
    private readonly SharedCellTicker _ticker = new(engine);
    private readonly Dictionary<string, Tenant> _tenants = new(StringComparer.Ordinal);
    private readonly Lock _sending = new();

    public void Serve()
    {
        var buffer = new byte[SharedCellMessage.MaxBytes];
        var fds = new int[FdChannel.MaxFds];
        while (true)
        {
            var (length, count) = FdChannel.Receive(control, buffer, fds);
            if (length == 0 && count == 0)
            {
                return; // the daemon is gone
            }
            var fields = SharedCellMessage.Decode(buffer.AsSpan(0, length));
            var received = fds.AsSpan(0, count).ToArray();
            switch (fields[0])
            {
                case SharedCellMessage.Add:
                    var handles = received.Select(fd => new SafeFileHandle(fd, ownsHandle: true)).ToList();
                    ThreadPool.UnsafeQueueUserWorkItem(_ => Add(fields, handles), null);
                    break;
                case SharedCellMessage.Start when fields.Length == 2:
                    Find(fields[1])?.Start();
                    break;
                case SharedCellMessage.Kill when fields.Length == 3:
                    Find(fields[1])?.Kill(SharedCellMessage.ParseNumber(fields[2]));
                    break;
                case SharedCellMessage.Drop when fields.Length == 2:
                    Find(fields[1])?.Drop();
                    break;
                case SharedCellMessage.Stats when fields.Length == 2:
                    Send(SharedCellMessage.EncodeUsage(SharedCellMessage.Usage, fields[1], Find(fields[1])?.Usage));
                    break;
                default:
                    foreach (var fd in received)
                    {
                        Libc.CloseQuietly(fd);
                    }
                    break;
            }
        }
    }

    private void Add(string[] fields, List<SafeFileHandle> handles)
    {
        string id = fields.Length > 1 ? fields[1] : "";
        try
        {
            var (_, entry, function, binds, listeners) = SharedCellMessage.DecodeAdd(fields);
            var expected = SharedCellMessage.FirstBindIndex + binds.Count + listeners;
            if (handles.Count != expected)
            {
                throw new InvalidDataException($"{SharedCellMessage.Add} {id} carried {handles.Count} fds, not {expected}");
            }
            var tenant = Tenant.Load(engine, _ticker, id, entry, function, binds, listeners, handles, OnExit,
                t => Send(SharedCellMessage.Encode(SharedCellMessage.OutOfMemory, t.Id)));
            lock (_tenants)
            {
                if (!_tenants.TryAdd(id, tenant))
                {
                    tenant.Dispose();
                    throw new InvalidDataException($"a container {id} is already in this shared cell");
                }
            }
            Send(SharedCellMessage.Encode(SharedCellMessage.Ready, id, tenant.ReadyReport));
        }
        catch (Exception e) when (e is ModuleLoadException or InvalidDataException or IOException or NotSupportedException
            or UnauthorizedAccessException or ArgumentException or FormatException)
        {
            foreach (var handle in handles)
            {
                handle.Dispose();
            }
            Send(SharedCellMessage.Encode(SharedCellMessage.Error, id, e.Message));
        }
    }

    private Tenant? Find(string id)
    {
        lock (_tenants)
        {
            return _tenants.GetValueOrDefault(id);
        }
    }

    private void OnExit(Tenant tenant, int code)
    {
        lock (_tenants)
        {
            _tenants.Remove(tenant.Id);
        }
        Send(SharedCellMessage.EncodeUsage(SharedCellMessage.Exit, tenant.Id, tenant.Usage, SharedCellMessage.Number(code)));
    }

    private void Send(byte[] message)
    {
        lock (_sending)
        {
            try
            {
                FdChannel.Send(control, message, []);
            }
            catch (IOException)
            {
                // The daemon is gone; Serve sees the end of the channel and the process ends.
            }
        }
    }
}
