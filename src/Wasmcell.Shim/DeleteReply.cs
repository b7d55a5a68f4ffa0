using Wasmcell.Linux;

namespace Wasmcell.Shim;

/// <summary>
/// The `delete` action's answer (SPEC §2.7), shared by its fast path in the launcher and its full clean-up in
/// the daemon binary: the bundle's pid and recorded exit, the socket left by a dead daemon, and the
/// DeleteResponse protobuf encoded by hand, so the launcher carries no protobuf runtime.
/// </summary>
public static class DeleteReply
{
    public static string BundleOf(ShimFlags flags) => flags.Bundle.Length > 0 ? flags.Bundle : Directory.GetCurrentDirectory();

    /// <summary>True when the daemon's own Delete (the normal stop) left nothing to kill, remove or unmount.</summary>
    public static bool IsCleaned(string bundle) => File.Exists(Path.Join(bundle, BundleFiles.Cleaned));

    /// <summary>Removes the group's socket when no daemon answers on it any more.</summary>
    public static void RemoveStaleSocket(string bundle)
    {
        var address = ReadText(Path.Join(bundle, BundleFiles.Address));
        if (address is null)
        {
            return;
        }
        var path = ShimSocket.PathOf(address);
        if (File.Exists(path) && !UnixSockets.IsServing(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>Writes DeleteResponse{pid, exit_status, exited_at} for the bundle to stdout.</summary>
    public static void Write(string bundle)
    {
        var pid = ReadInt(Path.Join(bundle, BundleFiles.InitPid));
        var (code, at) = ReadExit(Path.Join(bundle, BundleFiles.ExitStatus));
        Libc.WriteAll(1, Encode((uint)Math.Max(pid, 0), code, at));
    }

    /// <summary>
    /// containerd.task.v2.DeleteResponse: pid = 1, exit_status = 2 (uint32), exited_at = 3
    /// (google.protobuf.Timestamp: seconds = 1 int64, nanos = 2 int32); proto3 leaves zero scalars out.
    /// </summary>
    public static byte[] Encode(uint pid, uint exitStatus, DateTimeOffset exitedAt)
    {
        var ticks = exitedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }
        var timestamp = new List<byte>();
        Field(timestamp, 1, (ulong)seconds);
        Field(timestamp, 2, (ulong)(rest * 100));

        var message = new List<byte>();
        Field(message, 1, pid);
        Field(message, 2, exitStatus);
        message.Add(3 << 3 | 2);
        Varint(message, (ulong)timestamp.Count);
        message.AddRange(timestamp);
        return [.. message];
    }

    public static int ReadInt(string file) => int.TryParse(ReadText(file), out var v) ? v : 0;

    public static string? ReadText(string file)
    {
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (uint Code, DateTimeOffset At) ReadExit(string file)
    {
        var parts = ReadText(file)?.Split(' ');
        if (parts is { Length: 2 } && uint.TryParse(parts[0], out var code) && long.TryParse(parts[1], out var ms))
        {
            return (code, DateTimeOffset.FromUnixTimeMilliseconds(ms));
        }
        // Nothing recorded: the task died with its shim; report it killed, as runc does.
        return (137, DateTimeOffset.UtcNow);
    }

    private static void Field(List<byte> into, int number, ulong value)
    {
        if (value != 0)
        {
            into.Add((byte)(number << 3));
            Varint(into, value);
        }
    }

    private static void Varint(List<byte> into, ulong value)
    {
        while (value >= 0x80)
        {
            into.Add((byte)(value | 0x80));
            value >>= 7;
        }
        into.Add((byte)value);
    }
}
