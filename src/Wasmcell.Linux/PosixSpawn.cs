using System.Runtime.InteropServices;

namespace Wasmcell.Linux;

/// <summary>
/// posix_spawn with explicit fd mapping. The shim never forks: running managed code after fork is
/// undefined, and System.Diagnostics.Process would fight our waitpid(-1) reaper (SPEC §8.15).
/// The child gets exactly the fds mapped here: every other one is closed in it, including fds this process
/// inherited without O_CLOEXEC (containerd leaks some into its shims).
/// </summary>
public static unsafe partial class PosixSpawn
{
    private const int POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;

    // posix_spawn and its helpers return the error number instead of setting errno.
    // glibc's opaque structs are 80 (file actions) and 336 (attr) bytes; 128-byte sigset_t.
    private const int FileActionsSize = 256, AttrSize = 1024, SigsetSize = 128;

    [LibraryImport("libc", EntryPoint = "posix_spawn")]
    private static partial int Spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int FileActionsInit(void* fa);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int FileActionsDestroy(void* fa);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static partial int FileActionsAddDup2(void* fa, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen")]
    private static partial int FileActionsAddOpen(void* fa, int fd, byte* path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static partial int AttrInit(void* attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static partial int AttrDestroy(void* attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static partial int AttrSetFlags(void* attr, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int AttrSetSigmask(void* attr, void* sigset);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    private static partial int AttrSetSigdefault(void* attr, void* sigset);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    private static partial int SigEmptySet(void* set);

    [LibraryImport("libc", EntryPoint = "sigfillset")]
    private static partial int SigFillSet(void* set);

    /// <summary>
    /// Starts <paramref name="path"/>. <paramref name="fds"/>[i] becomes the child's fd i; -1 maps /dev/null.
    /// Signal mask and dispositions are reset so the child does not inherit .NET's.
    /// </summary>
    public static int Start(string path, IReadOnlyList<string> argv, IReadOnlyList<string> env, IReadOnlyList<int> fds, bool newSession)
    {
        var fa = stackalloc byte[FileActionsSize];
        var attr = stackalloc byte[AttrSize];
        var mask = stackalloc byte[SigsetSize];
        var defaults = stackalloc byte[SigsetSize];
        var strings = new List<IntPtr>();
        try
        {
            FileActionsInit(fa);
            AttrInit(attr);
            var devNull = Utf8(strings, "/dev/null");
            // Sources may collide with targets (e.g. fd 1 -> 2); lift every source above the target range first.
            var lifted = new int[fds.Count];
            for (var i = 0; i < fds.Count; i++)
            {
                lifted[i] = -1;
                if (fds[i] >= 0)
                {
                    lifted[i] = 900 + i;
                    Check(FileActionsAddDup2(fa, fds[i], lifted[i]), "adddup2");
                }
            }
            for (var i = 0; i < fds.Count; i++)
            {
                if (lifted[i] >= 0)
                {
                    Check(FileActionsAddDup2(fa, lifted[i], i), "adddup2");
                }
                else
                {
                    Check(FileActionsAddOpen(fa, i, (byte*)devNull, i == 0 ? Libc.O_RDONLY : Libc.O_WRONLY, 0), "addopen");
                }
            }
            // Closes the lifted copies (dup2 cleared their O_CLOEXEC) and anything else inherited.
            Check(FileActionsAddCloseFrom(fa, fds.Count), "addclosefrom_np");
            SigEmptySet(mask);
            SigFillSet(defaults);
            AttrSetSigmask(attr, mask);
            AttrSetSigdefault(attr, defaults);
            AttrSetFlags(attr, (short)(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (newSession ? POSIX_SPAWN_SETSID : 0)));

            var argvp = stackalloc byte*[argv.Count + 1];
            for (var i = 0; i < argv.Count; i++)
            {
                argvp[i] = (byte*)Utf8(strings, argv[i]);
            }
            argvp[argv.Count] = null;
            var envp = new byte*[env.Count + 1];
            for (var i = 0; i < env.Count; i++)
            {
                envp[i] = (byte*)Utf8(strings, env[i]);
            }
            envp[env.Count] = null;
            var pathp = (byte*)Utf8(strings, path);
            int pid;
            fixed (byte** e = envp)
            {
                var rc = Spawn(&pid, pathp, fa, attr, argvp, e);
                if (rc != 0)
                {
                    throw Libc.IoError($"posix_spawn {path}", (Errno)rc);
                }
            }
            return pid;
        }
        finally
        {
            FileActionsDestroy(fa);
            AttrDestroy(attr);
            foreach (var s in strings)
            {
                Marshal.FreeCoTaskMem(s);
            }
        }
    }

    // glibc >= 2.34: closes every fd >= lowFd in the child, after the actions before it.
    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addclosefrom_np")]
    private static partial int FileActionsAddCloseFrom(void* fa, int lowFd);

    private static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            throw Libc.IoError("posix_spawn_file_actions_" + what, (Errno)rc);
        }
    }

    private static IntPtr Utf8(List<IntPtr> owned, string s)
    {
        var p = Marshal.StringToCoTaskMemUTF8(s);
        owned.Add(p);
        return p;
    }

    public static string[] CurrentEnvironment()
    {
        var vars = Environment.GetEnvironmentVariables();
        var list = new List<string>(vars.Count);
        foreach (System.Collections.DictionaryEntry kv in vars)
        {
            list.Add($"{kv.Key}={kv.Value}");
        }
        return [.. list];
    }
}
