using System.Net.Sockets;
using System.Text;
using Wasmcell.Linux;
using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Runtime;
using Wasmcell.Runtime.Components.Http;
using Wasmcell.Runtime.Components.Http.Server;

namespace Wasmcell.Cell;

/// <summary>
/// How a cell serves a wasi:http/proxy component: where it listens (opened at create, in the container's network
/// namespace, before the seccomp filter), and the server it runs after start. The addresses, as runwasi's wasmtime
/// shim takes them: <c>WASMCELL_LISTEN</c> (this project's listeners) if set, else
/// <c>WASMTIME_HTTP_PROXY_SOCKET_ADDR</c> from the container's env, else 0.0.0.0:8080; <c>WASMTIME_HTTP_BACKLOG</c>
/// sets the listen backlog. A listener is a socket: the container's socket policy must allow sockets
/// (<see cref="SocketPolicy"/>: its own network namespace, or WASMCELL_SOCKETS=allow).
/// </summary>
public static class ProxyServing
{
    public const string AddressEnv = "WASMTIME_HTTP_PROXY_SOCKET_ADDR", BacklogEnv = "WASMTIME_HTTP_BACKLOG";

    public const string DefaultAddress = "0.0.0.0:8080";

    /// <summary>The listeners for <paramref name="spec"/>'s proxy: its WASMCELL_LISTEN ones, or one opened here.</summary>
    public static IReadOnlyList<Socket> Listeners(Spec oci, CellSpec spec)
    {
        if (!SocketPolicy.Allows(oci))
        {
            throw new ArgumentException(
                $"{spec.ModulePath} is a wasi:http/proxy component, which listens on a socket; this container may not have sockets " +
                $"(in the host's network namespace it needs {CellSpecBuilder.SocketsEnv}={SocketPolicy.Allow}; README \"Networking\")");
        }
        if (spec.Listeners.Count > 0)
        {
            return spec.Listeners;
        }
        var address = EnvValue(oci, AddressEnv) is { Length: > 0 } a ? a : DefaultAddress;
        var backlog = 128;
        if (EnvValue(oci, BacklogEnv) is { Length: > 0 } b && (!int.TryParse(b, out backlog) || backlog is < 1 or > 65535))
        {
            throw new ArgumentException($"{BacklogEnv}='{b}': expected a number from 1 to 65535");
        }
        return [TcpListeners.Listen(address, backlog)];
    }

    /// <summary>
    /// Guest stdout and stderr are the cell's fds 1 and 2: the container's FIFOs (its log under CRI). Outgoing requests
    /// follow the socket policy, as the guest's own sockets do (<see cref="CellSpec.AllowSocketExtension"/> is
    /// <see cref="SocketPolicy.Allows"/>; the seccomp filter lets socket(2) through on the same decision).
    /// </summary>
    public static ProxyEnvironment Environment(CellSpec spec) => new()
    {
        Args = spec.Args,
        Env = spec.Env,
        AllowOutgoingRequests = spec.AllowSocketExtension,
        Stdout = data => WriteQuietly(1, data),
        Stderr = data => WriteQuietly(2, data),
    };

    /// <summary>
    /// For outgoing https: .NET's certificate validation looks for the user's certificate stores under $HOME, and a
    /// cell has no HOME (it inherits none of the daemon's environment) nor an /etc/passwd to look one up in, which
    /// fails the handshake with ENOENT. A home that does not exist in the cell's root means "no user stores"; only
    /// the host's CA certificates (bound read-only when sockets are allowed, CellSandboxPlan) are trusted.
    /// </summary>
    public static void PrepareTls()
    {
        if (string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("HOME")))
        {
            System.Environment.SetEnvironmentVariable("HOME", "/nonexistent");
        }
    }

    /// <summary>One line on the container's stderr saying where it serves, as `wasmtime serve` prints.</summary>
    public static void Announce(IReadOnlyList<Socket> listeners)
    {
        foreach (var listener in listeners)
        {
            WriteQuietly(2, Encoding.UTF8.GetBytes($"Serving HTTP on http://{listener.LocalEndPoint}/\n"));
        }
    }

    private static string? EnvValue(Spec oci, string name)
    {
        var prefix = name + "=";
        return oci.Process?.Env?.LastOrDefault(e => e.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
    }

    private static void WriteQuietly(int fd, ReadOnlySpan<byte> data)
    {
        try
        {
            Libc.WriteAll(fd, data);
        }
        catch (IOException)
        {
            // Nobody reads the container's output any more; the request goes on.
        }
    }
}
