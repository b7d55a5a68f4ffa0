using System.Runtime.InteropServices;
using Wasmcell.Linux;

namespace Wasmcell.Linux.Tests;

public sealed partial class ErrnoTests
{
    [LibraryImport("libc", EntryPoint = "strerrorname_np")]
    private static partial nint StrerrorName(int errno);

    [Fact]
    public void Every_errno_name_is_the_name_glibc_gives_its_number()
    {
        foreach (var errno in Enum.GetValues<Errno>().Where(e => e != Errno.None))
        {
            Assert.Equal(errno.ToString(), Marshal.PtrToStringUTF8(StrerrorName((int)errno)));
        }
    }

    [Fact]
    public void An_io_error_names_the_call_and_the_errno_and_carries_it_in_HResult()
    {
        var e = Libc.IoError("open /nowhere", Errno.ENOENT);

        Assert.StartsWith("open /nowhere: ", e.Message);
        Assert.Contains("ENOENT", e.Message);
        Assert.Equal((int)Errno.ENOENT, e.HResult);
    }

    [Fact]
    public void A_failed_call_leaves_its_errno_typed()
    {
        Assert.Equal(-1, Libc.Kill(int.MaxValue, 0));
        Assert.Equal(Errno.ESRCH, Libc.Errno);
    }
}
