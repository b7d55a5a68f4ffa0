using System.Globalization;
using System.Text;

namespace Wasmcell.Emscripten;

/// <summary>
/// Time imports (ABI.md §B.4, §D.2): timespec/timeval and time_t are 32-bit; struct tm is 44 bytes. Local time
/// is UTC (tm_gmtoff 0): the zone a container's rootfs without /etc/localtime has under runc too.
/// </summary>
internal static unsafe class LibraryTime
{
    private const int TmBytes = 44;

    /// <summary>clock_gettime(clk, *ts): guest clock ids are Linux's (nginx uses 6, MONOTONIC_COARSE).</summary>
    public static int ClockGettime(EmscriptenHost h, int clock, int ts)
    {
        if (clock is < 0 or > 7)
        {
            return h.Fail(LinuxErrno.EINVAL);
        }
        Timespec now;
        if (Libc.ClockGettime(clock, &now) != 0)
        {
            return h.Fail(LinuxErrno.EINVAL);
        }
        h.Memory.WriteU32(ts, (uint)now.Seconds);
        h.Memory.WriteU32(ts + 4, (uint)now.Nanoseconds);
        return 0;
    }

    /// <summary>gettimeofday(*tv, tz): microseconds in tv_usec (wasmer wrote nanoseconds).</summary>
    public static int Gettimeofday(EmscriptenHost h, int tv)
    {
        Timespec now;
        Libc.ClockGettime(0, &now);
        h.Memory.WriteU32(tv, (uint)now.Seconds);
        h.Memory.WriteU32(tv + 4, (uint)(now.Nanoseconds / 1000));
        return 0;
    }

    /// <summary>time(*t): a 4-byte time_t, written only when t is not NULL.</summary>
    public static int Time(EmscriptenHost h, int t)
    {
        var now = (int)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (t != 0)
        {
            h.Memory.WriteU32(t, (uint)now);
        }
        return now;
    }

    /// <summary>localtime(*t): one static tm, allocated in guest memory at the first call.</summary>
    public static int Localtime(EmscriptenHost h, int t)
    {
        if (h.LocaltimeBuffer == 0)
        {
            h.LocaltimeBuffer = h.Exports.Malloc(TmBytes);
            if (h.LocaltimeBuffer == 0)
            {
                return h.Fail(LinuxErrno.ENOMEM) & 0;
            }
        }
        return BrokenDown(h, t, h.LocaltimeBuffer);
    }

    /// <summary>localtime_r and gmtime_r(*t, *tm): fills tm (UTC), returns tm.</summary>
    public static int BrokenDown(EmscriptenHost h, int t, int tm)
    {
        var time = DateTimeOffset.FromUnixTimeSeconds((int)h.Memory.ReadU32(t)).UtcDateTime;
        WriteTm(h, tm, time);
        return tm;
    }

    private static void WriteTm(EmscriptenHost h, int tm, DateTime time)
    {
        h.Memory.Span(tm, TmBytes).Clear();
        int[] fields = [time.Second, time.Minute, time.Hour, time.Day, time.Month - 1, time.Year - 1900, (int)time.DayOfWeek, time.DayOfYear - 1, 0, 0];
        for (var i = 0; i < fields.Length; i++)
        {
            h.Memory.WriteU32(tm + (i * 4), (uint)fields[i]);
        }
    }

    private static DateTime ReadTm(EmscriptenHost h, int tm)
    {
        int F(int i) => (int)h.Memory.ReadU32(tm + (i * 4));
        // Out-of-range fields are normalised as mktime does: 60 seconds is the next minute, month 12 next January.
        return new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc)
            .AddYears(F(5)).AddMonths(F(4)).AddDays(F(3) - 1).AddHours(F(2)).AddMinutes(F(1)).AddSeconds(F(0));
    }

    /// <summary>mktime(*tm): UTC; normalises tm and fills wday/yday.</summary>
    public static int Mktime(EmscriptenHost h, int tm)
    {
        DateTime time;
        try
        {
            time = ReadTm(h, tm);
        }
        catch (ArgumentOutOfRangeException)
        {
            return h.Fail(LinuxErrno.EOVERFLOW);
        }
        var seconds = new DateTimeOffset(time).ToUnixTimeSeconds();
        if (seconds is < int.MinValue or > int.MaxValue)
        {
            return h.Fail(LinuxErrno.EOVERFLOW);
        }
        WriteTm(h, tm, time);
        return (int)seconds;
    }

    /// <summary>strftime(s, max, format, *tm): the C-locale conversions; writes a NUL; 0 when the result does not fit.</summary>
    public static int Strftime(EmscriptenHost h, int s, int max, int format, int tm)
    {
        var fmt = h.CString(format, 1024);
        if (fmt is null)
        {
            return 0;
        }
        DateTime time;
        try
        {
            time = ReadTm(h, tm);
        }
        catch (ArgumentOutOfRangeException)
        {
            return 0;
        }
        var text = Encoding.UTF8.GetBytes(Format(Encoding.UTF8.GetString(fmt), time));
        if (max <= 0 || text.Length >= max)
        {
            return 0;
        }
        text.CopyTo(h.Memory.Span(s, text.Length));
        h.Memory.WriteU8(s + text.Length, 0);
        return text.Length;
    }

    internal static string Format(string format, DateTime t)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length)
            {
                sb.Append(format[i]);
                continue;
            }
            var spec = format[++i];
            if (spec is 'E' or 'O' && i + 1 < format.Length)
            {
                spec = format[++i];
            }
            sb.Append(spec switch
            {
                'a' => t.ToString("ddd", c),
                'A' => t.ToString("dddd", c),
                'b' or 'h' => t.ToString("MMM", c),
                'B' => t.ToString("MMMM", c),
                'c' => t.ToString("ddd MMM ", c) + t.Day.ToString(c).PadLeft(2) + t.ToString(" HH:mm:ss yyyy", c),
                'C' => (t.Year / 100).ToString("00", c),
                'd' => t.ToString("dd", c),
                'D' => t.ToString("MM/dd/yy", c),
                'e' => t.Day.ToString(c).PadLeft(2),
                'F' => t.ToString("yyyy-MM-dd", c),
                'H' => t.ToString("HH", c),
                'I' => t.ToString("hh", c),
                'j' => t.DayOfYear.ToString("000", c),
                'm' => t.ToString("MM", c),
                'M' => t.ToString("mm", c),
                'n' => "\n",
                'p' => t.Hour < 12 ? "AM" : "PM",
                'r' => t.ToString("hh:mm:ss ", c) + (t.Hour < 12 ? "AM" : "PM"),
                'R' => t.ToString("HH:mm", c),
                's' => new DateTimeOffset(t, TimeSpan.Zero).ToUnixTimeSeconds().ToString(c),
                'S' => t.ToString("ss", c),
                't' => "\t",
                'T' => t.ToString("HH:mm:ss", c),
                'u' => (t.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)t.DayOfWeek).ToString(c),
                'w' => ((int)t.DayOfWeek).ToString(c),
                'x' => t.ToString("MM/dd/yy", c),
                'X' => t.ToString("HH:mm:ss", c),
                'y' => t.ToString("yy", c),
                'Y' => t.Year.ToString(c),
                'z' => "+0000",
                'Z' => "GMT",
                '%' => "%",
                _ => "%" + spec,
            });
        }
        return sb.ToString();
    }
}
