using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

/// <summary>The libc calls that take a process's privileges away.</summary>
public static unsafe partial class Privileges
{
    private const uint LinuxCapabilityVersion3 = 0x20080522;

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    public static partial int SetRlimit(int resource, ulong* limits);

    [LibraryImport("libc", EntryPoint = "setgroups", SetLastError = true)]
    public static partial int SetGroups(nuint size, uint* groups);

    [LibraryImport("libc", EntryPoint = "setresgid", SetLastError = true)]
    public static partial int SetResGid(uint rgid, uint egid, uint sgid);

    [LibraryImport("libc", EntryPoint = "setresuid", SetLastError = true)]
    public static partial int SetResUid(uint ruid, uint euid, uint suid);

    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static partial int CapSet(uint* header, uint* data);

    /// <summary>Clears the effective, permitted and inheritable capability sets of this process.</summary>
    public static int ClearCapabilities()
    {
        uint* header = stackalloc uint[2];
        header[0] = LinuxCapabilityVersion3;
        header[1] = 0;
        uint* data = stackalloc uint[6]; // two {effective, permitted, inheritable} words
        for (var i = 0; i < 6; i++)
        {
            data[i] = 0;
        }
        return CapSet(header, data);
    }
}
