using System.Globalization;
using System.Text;
using Wasmcell.Linux;

namespace Wasmcell.Cgroups;

/// <summary>Reading and writing cgroup interface files: one value per write, flat "key value" files, "max" limits.</summary>
public static class CgroupFile
{
    /// <summary>
    /// Writes one value with a single write(2). O_TRUNC is what runc uses too: cgroupfs ignores it, and a
    /// plain-file fake tree then holds exactly the last value written.
    /// </summary>
    public static void Write(string path, string value)
    {
        var errno = TryWrite(path, value);
        if (errno != Errno.None)
        {
            throw new CgroupException($"write \"{value}\" to", path, errno);
        }
    }

    public static Errno TryWrite(string path, string value)
    {
        var errno = Libc.TryOpen(path, Libc.O_WRONLY | Libc.O_TRUNC, out var fd);
        using (fd)
        {
            return errno != Errno.None ? errno : Libc.WriteOnce(fd.Fd, Encoding.UTF8.GetBytes(value));
        }
    }

    public static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CgroupException("read", path, Errno.ENOENT);
        }
    }

    /// <summary>The file's text, or null when it does not exist (a controller that is not enabled).</summary>
    public static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>A single-number file (memory.usage_in_bytes, pids.current); "max" reads as <see cref="ulong.MaxValue"/>.</summary>
    public static ulong? TryReadUInt64(string path)
    {
        var text = TryRead(path);
        return text is null ? null : ParseUInt64(text.Trim());
    }

    public static ulong ParseUInt64(string value) =>
        value == "max" ? ulong.MaxValue
        : ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
        // v1 reports some unlimited values as -1 (e.g. cpu.cfs_quota_us).
        : long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) && s < 0 ? ulong.MaxValue
        : throw new FormatException($"not a cgroup number: \"{value}\"");

    /// <summary>A flat keyed file (memory.stat, cpu.stat, memory.events): "key value" per line.</summary>
    public static Dictionary<string, ulong> TryReadKeyed(string path)
    {
        var result = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var text = TryRead(path);
        if (text is null)
        {
            return result;
        }

        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ');
            if (space <= 0)
            {
                continue;
            }

            var value = line[(space + 1)..].Trim();
            if (ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
            {
                result[line[..space]] = v;
            }
            else if (value == "max")
            {
                result[line[..space]] = ulong.MaxValue;
            }
        }
        return result;
    }

    /// <summary>cgroup.procs / tasks: one pid per line.</summary>
    public static List<int> ReadPids(string path)
    {
        var pids = new List<int>();
        foreach (var line in Read(path).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(line.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                pids.Add(pid);
            }
        }
        return pids;
    }

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Format(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
