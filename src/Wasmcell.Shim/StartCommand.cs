using System.Net.Sockets;
using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Shim.Interop;

namespace Wasmcell.Shim;

/// <summary>
/// `start` (SPEC §2.5): find or make the daemon for this container's group, print its address.
/// Nothing may reach stderr on success: containerd reads stdout and stderr as one address string.
/// </summary>
internal static class StartCommand
{
    public static int Run(ShimFlags flags)
    {
        DrainStdin();
        var bundle = Directory.GetCurrentDirectory();
        Spec? spec = null;
        try
        {
            spec = SpecLoader.Load(Path.Join(bundle, "config.json"));
        }
        catch (InvalidDataException)
        {
            // Create reports a broken config.json with a clear message; grouping falls back to the id.
        }
        var group = ShimSocket.GroupOf(flags.Id, spec?.Annotations);
        var address = ShimSocket.Address(flags.Address, flags.Namespace, group);
        var path = ShimSocket.PathOf(address);
        Directory.CreateDirectory(ShimSocket.SocketDir);

        var listener = TryListen(path);
        if (listener is null)
        {
            // A daemon for this group already serves: reuse it.
            WriteAddressFile(bundle, address);
            Console.Out.Write(address);
            return 0;
        }

        int daemonPid;
        try
        {
            var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot locate the shim binary");
            List<string> args = [self, "-namespace", flags.Namespace, "-id", flags.Id, "-address", flags.Address,
                "-publish-binary", flags.PublishBinary, "-socket", address];
            if (flags.Debug)
            {
                args.Add("-debug");
            }
            // The daemon gets the listening socket as fd 3 and /dev/null for stdio: holding start's output
            // pipe would make containerd wait for the daemon to exit.
            daemonPid = PosixSpawn.Start(self, args, PosixSpawn.CurrentEnvironment(),
                [-1, -1, -1, (int)listener.Handle], newSession: true);
        }
        catch
        {
            listener.Dispose();
            File.Delete(path);
            throw;
        }
        // Not Dispose(): .NET unlinks a listening socket's path on dispose, and the daemon serves that path now.
        // The fd closes when this process exits.
        GC.KeepAlive(listener);
        try
        {
            WriteAddressFile(bundle, address);
        }
        catch
        {
            Libc.Kill(daemonPid, 9);
            File.Delete(path);
            throw;
        }
        Console.Out.Write(address);
        return 0;
    }

    /// <summary>Binds the socket, or returns null when a live daemon answers on it; a dead one's socket is replaced.</summary>
    private static Socket? TryListen(string path)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint(path));
                socket.Listen(128);
                Libc.Chmod(path, 0x180 /* 0600 */);
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                socket.Dispose();
                if (IsServing(path))
                {
                    return null;
                }
                File.Delete(path);
            }
        }
        throw new IOException($"cannot listen on {path}: address in use");
    }

    public static bool IsServing(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            var connect = probe.ConnectAsync(new UnixDomainSocketEndPoint(path));
            return connect.Wait(TimeSpan.FromSeconds(1)) && probe.Connected;
        }
        catch (AggregateException)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
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
        try
        {
            using var stdin = Console.OpenStandardInput();
            stdin.CopyTo(Stream.Null);
        }
        catch (IOException)
        {
        }
    }
}
