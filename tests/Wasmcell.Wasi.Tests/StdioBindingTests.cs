using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Wasmcell.Wasi.Tests.Infrastructure;

namespace Wasmcell.Wasi.Tests;

/// <summary>Stdio is whatever host fd the caller hands over: appended files stay appended, FIFOs and pipes just work.</summary>
public sealed partial class StdioBindingTests
{
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkfifo(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte[] buffer, nint count);

    private static string Hello => TestData.Path("seed-samples/hello/hello.wasm");

    [Fact]
    public void Stdout_opened_for_append_is_not_truncated()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["log"], "existing\n");
        // A real O_APPEND fd (File.OpenHandle's Append mode only seeks once).
        using (var log = new SafeFileHandle(open(dir["log"], 1 | 0x400 /* O_WRONLY|O_APPEND */), ownsHandle: true))
        {
            var options = new WasiOptions { Stdout = log };
            options.Args.Add("hello.wasm");
            Assert.Equal(0, GuestRun.Run(Hello, options).ExitCode);
        }
        Assert.Equal("existing\nHello world\n", File.ReadAllText(dir["log"]));
    }

    [Fact]
    public void Stdout_bound_to_a_fifo_and_stdin_to_a_pipe()
    {
        using var dir = new TempDir();
        Assert.Equal(0, mkfifo(dir["fifo"], 0x180));
        // containerd opens its FIFOs itself; the host only ever receives open fds, so binding never blocks.
        using var reader = new SafeFileHandle(open(dir["fifo"], 0x800 /* O_RDONLY|O_NONBLOCK */), ownsHandle: true);
        using var writer = new SafeFileHandle(open(dir["fifo"], 1 /* O_WRONLY */), ownsHandle: true);
        Assert.False(reader.IsInvalid || writer.IsInvalid);
        using var stdin = new HostPipe();
        var options = new WasiOptions { Stdout = writer, Stdin = stdin.Read };
        options.Args.Add("hello.wasm");
        Assert.Equal(0, GuestRun.Run(Hello, options).ExitCode);
        var buffer = new byte[64];
        int n = (int)read((int)reader.DangerousGetHandle(), buffer, buffer.Length);
        Assert.Equal("Hello world\n", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
    }

    /// <summary>A daemon may run without fd 0/1/2: an inherited descriptor that is not open counts as "none".</summary>
    [Fact]
    public void A_closed_inherited_descriptor_means_no_stdio()
    {
        using var notOpen = new SafeFileHandle(1000, ownsHandle: false); // nothing is open at fd 1000 in the test host
        Assert.Equal(-1, fcntl(1000, 1 /* F_GETFD */));
        var options = new WasiOptions { Stdin = notOpen };
        options.Args.AddRange(new[] { "blocking.wasm", "read" });
        var result = GuestRun.Run(CProgram.Build("blocking"), options);
        Assert.Null(result.Trap);
        Assert.Equal("before\nread 0 \nafter\n", result.Stdout);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int cmd);
}
