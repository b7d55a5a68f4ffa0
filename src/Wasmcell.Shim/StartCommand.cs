using Wasmcell.Linux;

namespace Wasmcell.Shim;

/// <summary>
/// `start` (SPEC §2.5): find or make the daemon for this container's group, print its address.
/// Nothing may reach stderr on success: containerd reads stdout and stderr as one address string.
/// </summary>
public static class StartCommand
{
    public static int Run(ShimFlags flags)
    {
        DrainStdin();
        var bundle = Directory.GetCurrentDirectory();
        var annotations = SpecAnnotations.TryRead(Path.Join(bundle, "config.json"));
        // Shared mode is decided here, where the daemon is picked: by this binary's name or the annotation.
        var isolation = Isolation.Of(annotations, Environment.GetCommandLineArgs()[0]);
        var group = isolation == IsolationMode.Shared ? Isolation.SharedGroup(annotations, Environment.GetEnvironmentVariable)
            : ShimSocket.GroupOf(flags.Id, annotations);
        var address = ShimSocket.Address(flags.Address, flags.Namespace, group);
        var path = ShimSocket.PathOf(address);
        Directory.CreateDirectory(ShimSocket.SocketDir);

        var listener = TryListen(path, flags.Id);
        if (listener < 0)
        {
            // A daemon for this group already serves: reuse it.
            WriteAddressFile(bundle, address);
            WriteStdout(address);
            return 0;
        }

        int daemonPid;
        try
        {
            var daemon = ShimBinaries.Daemon;
            List<string> args = [daemon, "-namespace", flags.Namespace, "-id", flags.Id, "-address", flags.Address,
                "-publish-binary", flags.PublishBinary, "-socket", address];
            if (flags.Debug)
            {
                args.Add("-debug");
            }
            if (isolation == IsolationMode.Shared)
            {
                args.Add("-shared");
            }
            // The daemon gets the listening socket as fd 3 and /dev/null for stdio: holding start's output
            // pipe would make containerd wait for the daemon to exit.
            daemonPid = PosixSpawn.Start(daemon, args, PosixSpawn.CurrentEnvironment(), [-1, -1, -1, listener], newSession: true);
        }
        catch
        {
            Libc.Close(listener);
            File.Delete(path);
            throw;
        }
        Libc.Close(listener);
        try
        {
            WriteAddressFile(bundle, address);
        }
        catch
        {
            Libc.Kill(daemonPid, Signals.SIGKILL);
            File.Delete(path);
            throw;
        }
        WriteStdout(address);
        return 0;
    }

    /// <summary>Binds the socket (0600), or returns -1 when a live daemon answers on it; a dead one's socket is replaced.</summary>
    /// <summary>A listener on <paramref name="path"/> for a new daemon, or -1 when a daemon there will serve <paramref name="id"/>.</summary>
    private static int TryListen(string path, string id)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var fd = UnixSockets.Listen(path, 128);
            if (fd >= 0)
            {
                Libc.Chmod(path, 0x180 /* 0600 */);
                return fd;
            }
            switch (LauncherService.AskToExpect(path, id))
            {
                case LauncherService.Answer.Accepted:
                    return -1;
                case LauncherService.Answer.Retiring:
                    // It removes its own socket as it goes; removing it first could let it remove ours after.
                    WaitGone(path, TimeSpan.FromSeconds(2));
                    break;
            }
            File.Delete(path);
        }
        throw new IOException($"cannot listen on {path}: address in use");
    }

    private static void WaitGone(string path, TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (File.Exists(path) && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(5);
        }
    }

    private static void WriteAddressFile(string bundle, string address)
    {
        var tmp = Path.Join(bundle, ".address");
        File.Delete(tmp);
        File.WriteAllText(tmp, address);
        File.Move(tmp, Path.Join(bundle, "address"), overwrite: true);
    }

    private static void DrainStdin()
    {
        // Runtime options (or 2.3+ bootstrap params) arrive here too; Create carries the same options.
        Span<byte> buffer = stackalloc byte[4096];
        try
        {
            while (Libc.ReadSome(0, buffer) > 0)
            {
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The address, unbuffered and without a newline: containerd reads stdout to EOF as the address.</summary>
    private static void WriteStdout(string address) => Libc.WriteAll(1, System.Text.Encoding.UTF8.GetBytes(address));
}
