using System.Text;
using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Groups;
using Wasmcell.Wasi.Tests.Infrastructure;

namespace Wasmcell.Wasi.Tests;

/// <summary>Memory-masked unit tests: exact bytes written, nothing around them touched, errno tables.</summary>
public sealed class ExactBytesTests
{
    private static byte[] Q(int n) => Enumerable.Repeat((byte)'?', n).ToArray();

    [Fact]
    public void Args_get_writes_pointers_then_nul_terminated_strings()
    {
        var options = new WasiOptions();
        options.Args.AddRange(new[] { "a", "bc" });
        using var m = new MaskedMemory(options);
        Assert.Equal(Errno.Success, Args.ArgsSizesGet(m.Host, 0, 4));
        Assert.Equal(new byte[] { 2, 0, 0, 0, 5, 0, 0, 0, (byte)'?' }, m.Bytes(0, 9));

        Assert.Equal(Errno.Success, Args.ArgsGet(m.Host, 16, 32));
        // argv: [32, 34], then '?' untouched, argv_buf: "a\0bc\0", then '?'
        Assert.Equal(new byte[] { 32, 0, 0, 0, 34, 0, 0, 0, (byte)'?' }, m.Bytes(16, 9));
        Assert.Equal(Encoding.ASCII.GetBytes("a\0bc\0?"), m.Bytes(32, 6));
    }

    [Fact]
    public void Environ_get_with_no_environment_writes_only_zero_sizes()
    {
        using var m = new MaskedMemory(new WasiOptions());
        Assert.Equal(Errno.Success, Args.EnvironSizesGet(m.Host, 0, 4));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, (byte)'?' }, m.Bytes(0, 9));
        Assert.Equal(Errno.Success, Args.EnvironGet(m.Host, 16, 32));
        Assert.Equal(Q(32), m.Bytes(16, 32));
    }

    [Fact]
    public void Fd_prestat_of_a_preopen_and_its_name()
    {
        using var dir = new TempDir();
        var options = new WasiOptions();
        options.Preopens.Add(new Preopen(dir.Path, "/data", ReadOnly: true));
        using var m = new MaskedMemory(options);
        Assert.Equal(Errno.Success, Fd.FdPrestatGet(m.Host, 3, 0));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 5, 0, 0, 0, (byte)'?' }, m.Bytes(0, 9));
        Assert.Equal(Errno.NameTooLong, Fd.FdPrestatDirName(m.Host, 3, 16, 4));
        Assert.Equal(Q(8), m.Bytes(16, 8));
        Assert.Equal(Errno.Success, Fd.FdPrestatDirName(m.Host, 3, 16, 5));
        Assert.Equal(Encoding.ASCII.GetBytes("/data?"), m.Bytes(16, 6));
    }

    [Theory]
    [InlineData(0)]   // stdin: not a preopen
    [InlineData(4)]   // not open
    [InlineData(-1)]
    public void Fd_prestat_get_of_a_non_preopen_is_badf(int fd)
    {
        const Errno expected = Errno.BadF;
        using var dir = new TempDir();
        var options = new WasiOptions();
        options.Preopens.Add(new Preopen(dir.Path, "/", false));
        using var m = new MaskedMemory(options);
        Assert.Equal(expected, Fd.FdPrestatGet(m.Host, fd, 0));
        Assert.Equal(Q(8), m.Bytes(0, 8));
    }

    [Fact]
    public void Fd_fdstat_get_of_a_directory_preopen()
    {
        using var dir = new TempDir();
        var options = new WasiOptions();
        options.Preopens.Add(new Preopen(dir.Path, "/", false));
        using var m = new MaskedMemory(options);
        Assert.Equal(Errno.Success, Fd.FdFdstatGet(m.Host, 3, 8));
        var b = m.Bytes(0, 40);
        Assert.Equal(Q(8), b[..8]);
        Assert.Equal((byte)FileType.Directory, b[8]);
        Assert.Equal(0, b[9]);
        Assert.Equal(new byte[] { 0, 0 }, b[10..12]); // fdflags
        Assert.Equal((ulong)Rights.Directory, BitConverter.ToUInt64(b, 16));
        Assert.Equal((ulong)Rights.All, BitConverter.ToUInt64(b, 24));
        Assert.Equal(Q(8), b[32..40]);
    }

    [Fact]
    public void Clock_time_get_writes_eight_bytes_and_rejects_unknown_clocks()
    {
        using var m = new MaskedMemory(new WasiOptions());
        Assert.Equal(Errno.Success, Clock.ClockTimeGet(m.Host, 1, 0, 8));
        Assert.NotEqual(0UL, BitConverter.ToUInt64(m.Bytes(8, 8)));
        Assert.Equal(Q(8), m.Bytes(0, 8));
        Assert.Equal(Q(8), m.Bytes(16, 8));
        Assert.Equal(Errno.Inval, Clock.ClockTimeGet(m.Host, 4, 0, 32));
        Assert.Equal(Q(8), m.Bytes(32, 8));
    }

    [Fact]
    public void Out_of_bounds_pointers_are_faults_not_crashes()
    {
        var options = new WasiOptions();
        options.Args.Add("x");
        using var m = new MaskedMemory(options);
        Assert.Throws<Sys.GuestMemoryFault>(() => Args.ArgsSizesGet(m.Host, 65534, 0));
        Assert.Throws<Sys.GuestMemoryFault>(() => Groups.Random.RandomGet(m.Host, 65000, 1000));
    }

    [Fact]
    public void Random_get_fills_exactly_the_buffer_with_fresh_bytes()
    {
        using var m = new MaskedMemory(new WasiOptions());
        // 4096 bytes: beyond the 256 that one getrandom call is guaranteed to fill; bytes 8..4103 only.
        Assert.Equal(Errno.Success, Groups.Random.RandomGet(m.Host, 8, 4096));
        var first = m.Bytes(8, 4096).ToArray();
        Assert.Equal(Errno.Success, Groups.Random.RandomGet(m.Host, 8, 4096));
        var second = m.Bytes(8, 4096).ToArray();
        Assert.NotEqual(first, second);
        Assert.True(first.Distinct().Count() > 200, "4096 random bytes should take most of the 256 values");
        Assert.Equal(Q(8), m.Bytes(0, 8));
        Assert.Equal(Q(8), m.Bytes(8 + 4096, 8));
    }

    [Fact]
    public void Poll_oneoff_with_no_subscriptions_is_inval()
    {
        using var m = new MaskedMemory(new WasiOptions());
        Assert.Equal(Errno.Inval, Poll.PollOneoff(m.Host, 0, 1024, 0, 2048));
        Assert.Equal(Q(4), m.Bytes(2048, 4));
    }

    /// <summary>The Errno enum against the witx order (typenames.witx, preview1 and snapshot 0 alike).</summary>
    [Fact]
    public void Errno_values_match_the_witx_order()
    {
        const string witx = "success 2big acces addrinuse addrnotavail afnosupport again already badf badmsg busy canceled child connaborted connrefused connreset deadlk destaddrreq dom dquot exist fault fbig hostunreach idrm ilseq inprogress intr inval io isconn isdir loop mfile mlink msgsize multihop nametoolong netdown netreset netunreach nfile nobufs nodev noent noexec nolck nolink nomem nomsg noprotoopt nospc nosys notconn notdir notempty notrecoverable notsock notsup notty nxio overflow ownerdead perm pipe proto protonosupport prototype range rofs spipe srch stale timedout txtbsy xdev notcapable";
        var names = witx.Split(' ');
        var values = Enum.GetValues<Errno>();
        Assert.Equal(names.Length, values.Length);
        for (int i = 0; i < names.Length; i++)
        {
            var name = values[i].ToString().ToLowerInvariant();
            Assert.Equal(i, (int)values[i]);
            Assert.Equal(names[i], name == "toobig" ? "2big" : name);
        }
    }

    [Theory]
    [InlineData(2, 44)]     // ENOENT
    [InlineData(13, 2)]     // EACCES
    [InlineData(18, 75)]    // EXDEV
    [InlineData(40, 32)]    // ELOOP
    [InlineData(95, 58)]    // EOPNOTSUPP -> NOTSUP
    [InlineData(111, 14)]   // ECONNREFUSED
    [InlineData(9999, 29)]  // unknown -> EIO
    public void Linux_errno_mapping(int linux, int wasi) => Assert.Equal((Errno)wasi, ErrnoMapping.FromLinux((Wasmcell.Linux.Errno)linux));
}
