using Wasmcell.Emscripten.Tests.Infrastructure;
using Wasmcell.Wasi;

namespace Wasmcell.Emscripten.Tests;

/// <summary>
/// File and descriptor syscalls at the ABI level (docs/emscripten-abi/ABI.md §C.2, §D.1, §G): -errno with Linux
/// numbers, O_LARGEFILE masked, paths beneath the preopens, the 76-byte stat, the 4-byte _llseek result, dup2
/// sharing, /dev/stdout by path, EROFS under a read-only root.
/// </summary>
public sealed class FileSyscallTests : IDisposable
{
    private const int O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_APPEND = 0x400, O_LARGEFILE = 0x8000, O_DIRECTORY = 0x10000;
    private const int ENOENT = 2, EBADF = 9, EEXIST = 17, EROFS = 30, ENOTTY = 25;
    private static readonly int[] Syscalls = [3, 4, 5, 6, 10, 39, 54, 63, 140, 145, 146, 180, 181, 195, 197, 220, 221];

    private readonly TempDir _dir = new("wasmcell-emabi-");

    public void Dispose() => _dir.Dispose();

    private AbiGuest Guest(bool readOnly = false, Microsoft.Win32.SafeHandles.SafeFileHandle? stdout = null)
    {
        var root = Directory.CreateDirectory(_dir["root"]).FullName;
        var options = new WasiOptions { Stdout = stdout };
        options.Preopens.Add(new Preopen(root, ".", readOnly));
        options.Preopens.Add(new Preopen(root, "/", readOnly));
        return new AbiGuest(options, Syscalls);
    }

    [Fact]
    public void Open_read_and_fstat_a_file_by_relative_and_absolute_path()
    {
        _dir.Write("root/html/index.html", "<h1>hello</h1>");
        using var g = Guest();
        foreach (var path in new[] { "././html/index.html", "/html/index.html", "html//index.html" })
        {
            var fd = g.Sys(5, g.Str(path), O_LARGEFILE, 0);
            Assert.True(fd >= 3, $"{path}: {fd}");
            var stat = g.Alloc(76);
            Assert.Equal(0, g.Sys(197, fd, stat));
            Assert.Equal(0x8000, g.I32(stat + 12) & 0xF000); // S_IFREG
            Assert.Equal(14, g.I32(stat + 36));              // st_size, i32
            var buf = g.Alloc(64);
            Assert.Equal(14, g.Sys(180, fd, buf, 64, 0, 0, 0)); // pread64(fd, buf, n, pad, off_lo, off_hi)
            Assert.Equal("<h1>hello</h1>", g.CString(buf));
            Assert.Equal(0, g.Sys(6, fd));
            Assert.Equal(-EBADF, g.Sys(6, fd));
        }
    }

    [Fact]
    public void Missing_files_are_enoent_and_paths_never_leave_the_root()
    {
        using var g = Guest();
        Assert.Equal(-ENOENT, g.Sys(5, g.Str("./html/nope"), O_LARGEFILE, 0));
        var stat = g.Alloc(76);
        Assert.Equal(-ENOENT, g.Sys(195, g.Str("/nope"), stat));
        // "..", absolute symlinks and /proc never reach the host: refused, whatever the number.
        Assert.True(g.Sys(5, g.Str("../../../../etc/passwd"), O_LARGEFILE, 0) < 0);
        File.CreateSymbolicLink(_dir["root/escape"], "/etc");
        Assert.True(g.Sys(5, g.Str("/escape/passwd"), O_LARGEFILE, 0) < 0);
    }

    [Fact]
    public void Llseek_writes_a_four_byte_result()
    {
        _dir.Write("root/f", "0123456789");
        using var g = Guest();
        var fd = g.Sys(5, g.Str("f"), O_LARGEFILE, 0);
        var result = g.Alloc(8);
        g.Memory.WriteU32(result + 4, 0xdeadbeef);
        Assert.Equal(0, g.Sys(140, fd, 0, 7, result, 0)); // _llseek(fd, hi, lo, *result, SEEK_SET)
        Assert.Equal(7, g.I32(result));
        Assert.Equal(unchecked((int)0xdeadbeef), g.I32(result + 4));
        var buf = g.Alloc(8);
        Assert.Equal(3, g.Sys(3, fd, buf, 8));
        Assert.Equal("789", g.CString(buf));
    }

    [Fact]
    public void Mkdir_answers_eexist_the_second_time_and_erofs_on_a_read_only_root()
    {
        using (var g = Guest())
        {
            Assert.Equal(0, g.Sys(39, g.Str("./client_body_temp"), 0x1c0));
            Assert.True(Directory.Exists(_dir["root/client_body_temp"]));
            Assert.Equal(-EEXIST, g.Sys(39, g.Str("./client_body_temp"), 0x1c0));
            Assert.Equal(-ENOENT, g.Sys(10, g.Str("./nothing-here")));
        }
        using (var ro = Guest(readOnly: true))
        {
            Assert.Equal(-EROFS, ro.Sys(39, ro.Str("./proxy_temp"), 0x1c0));
            Assert.Equal(-EROFS, ro.Sys(5, ro.Str("./logs.txt"), O_LARGEFILE | O_WRONLY | O_CREAT, 0x1a4));
        }
    }

    [Fact]
    public void Dup2_shares_the_file_and_closing_one_keeps_the_other()
    {
        using var g = Guest();
        var fd = g.Sys(5, g.Str("./log"), O_LARGEFILE | O_WRONLY | O_CREAT | O_APPEND, 0x1a4);
        Assert.Equal(9, g.Sys(63, fd, 9));
        Assert.Equal(0, g.Sys(6, fd));
        var text = g.Str("via the copy\n");
        Assert.Equal(13, g.Sys(4, 9, text, 13));
        Assert.Equal("via the copy\n", File.ReadAllText(_dir["root/log"]));
        Assert.Equal(-EBADF, g.Sys(63, fd, 10));
    }

    [Fact]
    public void Dev_stdout_opened_by_path_is_the_containers_stdout_even_after_dup2_over_fd_1()
    {
        var outPath = _dir["stdout"];
        using (var stdout = File.OpenHandle(outPath, FileMode.Create, FileAccess.Write))
        using (var g = Guest(stdout: stdout))
        {
            var log = g.Sys(5, g.Str("/dev/stdout"), O_LARGEFILE | O_WRONLY | O_CREAT | O_APPEND, 0x1a4);
            Assert.True(log >= 3);
            Assert.Equal(0, g.Sys(221, log, 2, 1)); // fcntl(F_SETFD, FD_CLOEXEC) must succeed
            var devNull = g.Sys(5, g.Str("/dev/null"), O_LARGEFILE | O_RDWR, 0);
            Assert.Equal(1, g.Sys(63, devNull, 1));
            // writev: one gather write of two iovecs.
            var a = g.Str("GET / 200 ");
            var b = g.Str("958\n");
            var iov = g.Words(a, 10, b, 4);
            Assert.Equal(14, g.Sys(146, log, iov, 2));
            Assert.Equal(3, g.Sys(4, 1, g.Str("nul"), 3));
        }
        Assert.Equal("GET / 200 958\n", File.ReadAllText(outPath));
    }

    [Fact]
    public void Getdents_packs_268_byte_records_and_ioctl_tty_requests_are_enotty()
    {
        _dir.Write("root/d/a.txt", "a");
        Directory.CreateDirectory(_dir["root/d/sub"]);
        using var g = Guest();
        var fd = g.Sys(5, g.Str("d"), O_LARGEFILE | O_DIRECTORY, 0);
        var buf = g.Alloc(268 * 8);
        var n = g.Sys(220, fd, buf, 268 * 8);
        Assert.Equal(0, n % 268);
        var names = Enumerable.Range(0, n / 268).Select(i => (Name: g.CString(buf + (i * 268) + 11), Type: g.Memory.ReadU8(buf + (i * 268) + 10))).ToList();
        Assert.Contains(("a.txt", (byte)8), names);
        Assert.Contains(("sub", (byte)4), names);
        Assert.Equal(0, g.Sys(220, fd, buf, 268 * 8));
        Assert.Equal(-ENOTTY, g.Sys(54, 1, 0x5413, g.Alloc(8))); // TIOCGWINSZ
    }
}
