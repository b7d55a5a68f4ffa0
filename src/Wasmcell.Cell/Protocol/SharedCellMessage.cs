using System.Globalization;
using System.Text;

namespace Wasmcell.Cell.Protocol;

/// <summary>
/// The control channel between a shim daemon and its shared cell (issue 13: many Wasm containers in one sandboxed
/// process): one SOCK_SEQPACKET message per command or report (Linux.FdChannel), tab-separated fields, fds beside.
/// <list type="bullet">
/// <item>daemon → cell: <c>ADD id entry function n dest₁ ro|rw … listeners</c> with the fds stdin, stdout, stderr, the
/// rootfs directory, config.json, one directory per bind mount and the container's listening sockets (made by the
/// daemon in the container's network namespace); <c>START id</c>; <c>KILL id signal</c>; <c>DROP id</c>
/// (a created container deleted without Start); <c>STATS id</c>.</item>
/// <item>cell → daemon: <c>READY id report</c> or <c>ERR id message</c> after ADD; <c>USAGE id usage…</c> after STATS
/// (no usage when the container is gone); <c>EXIT id code usage…</c> once the container's guest is done and its stdio
/// released (after DROP too, with 0); <c>OOM id</c> when the container's memory limit refused its guest a memory.grow
/// (at most one a second per container).</item>
/// </list>
/// </summary>
public static class SharedCellMessage
{
    public const string Mode = "__shared";

    /// <summary>fd numbers inside the shared cell, after stdio: the control channel, its status channel (CellStatus), the plan.</summary>
    public const int ControlFd = 3, StatusFd = CellLaunch.StatusFd;

    public const string Add = "ADD", Start = "START", Kill = "KILL", Drop = "DROP", Stats = "STATS",
        Ready = "READY", Error = "ERR", Usage = "USAGE", Exit = "EXIT", OutOfMemory = "OOM";

    /// <summary>The fds of an ADD before its bind directories.</summary>
    public const int StdinIndex = 0, StdoutIndex = 1, StderrIndex = 2, RootfsIndex = 3, ConfigIndex = 4, FirstBindIndex = 5;

    /// <summary>The largest message either side sends.</summary>
    public const int MaxBytes = 16 * 1024;

    public static byte[] Encode(params IEnumerable<string> fields) =>
        Encoding.UTF8.GetBytes(string.Join('\t', fields.Select(f => f.Replace('\t', ' ').Replace('\n', ' '))));

    public static string[] Decode(ReadOnlySpan<byte> message) => Encoding.UTF8.GetString(message).Split('\t');

    public static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);

    public static int ParseNumber(string field) => int.Parse(field, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    /// <summary>A directory bind mount as the shared cell gets it: where the guest sees it, and whether read-only.</summary>
    public sealed record Bind(string Destination, bool ReadOnly);

    public static byte[] EncodeAdd(string id, string entry, string? function, IReadOnlyList<Bind> binds, int listeners) =>
        Encode([Add, id, entry, function ?? "", Number(binds.Count), .. binds.SelectMany(b => new[] { b.Destination, b.ReadOnly ? "ro" : "rw" }),
            Number(listeners)]);

    /// <summary>The fields of an ADD; throws <see cref="InvalidDataException"/> for a malformed one.</summary>
    public static (string Id, string Entry, string? Function, IReadOnlyList<Bind> Binds, int Listeners) DecodeAdd(string[] fields)
    {
        if (fields.Length < 6 || fields[0] != Add || !int.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || fields.Length != 6 + (2 * n) || !int.TryParse(fields[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var listeners))
        {
            throw new InvalidDataException($"malformed {Add} message ({fields.Length} fields)");
        }
        var binds = Enumerable.Range(0, n).Select(i => new Bind(fields[5 + (2 * i)], fields[6 + (2 * i)] == "ro")).ToList();
        return (fields[1], fields[2], fields[3].Length == 0 ? null : fields[3], binds, listeners);
    }

    public static long ParseLong(string field) => long.Parse(field, NumberStyles.None, CultureInfo.InvariantCulture);

    public static byte[] EncodeUsage(string kind, string id, TenantUsage? usage, params string[] before) =>
        Encode([kind, id, .. before, .. usage?.Fields() ?? []]);
}

/// <summary>
/// What a shared cell measures of one container (no cgroup of its own): its guest thread's CPU time, its linear
/// memory, and the epoch throttling of its CPU quota; the daemon answers Stats with it.
/// </summary>
public sealed record TenantUsage(long CpuNanoseconds, long MemoryBytes, long MaxMemoryBytes, long MemoryLimitBytes,
    long Periods, long ThrottledPeriods, long ThrottledNanoseconds, long Threads)
{
    private const int FieldCount = 8;

    public static readonly TenantUsage None = new(0, 0, 0, 0, 0, 0, 0, 0);

    internal IEnumerable<string> Fields() =>
        new[] { CpuNanoseconds, MemoryBytes, MaxMemoryBytes, MemoryLimitBytes, Periods, ThrottledPeriods, ThrottledNanoseconds, Threads }
            .Select(SharedCellMessage.Number);

    /// <summary>The usage in <paramref name="fields"/> from <paramref name="start"/>; null when there is none.</summary>
    public static TenantUsage? Decode(string[] fields, int start)
    {
        if (fields.Length < start + FieldCount)
        {
            return null;
        }
        var n = fields.Skip(start).Take(FieldCount).Select(SharedCellMessage.ParseLong).ToArray();
        return new TenantUsage(n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]);
    }
}
