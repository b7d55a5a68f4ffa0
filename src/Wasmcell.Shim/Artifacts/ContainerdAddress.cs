namespace Wasmcell.Shim.Artifacts;

/// <summary>
/// containerd's gRPC socket, for the daemon that only got it as <c>-address</c>: containerd also
/// exports it as GRPC_ADDRESS to the shim it starts, which the daemon inherits; otherwise the
/// daemon's own command line is read again.
/// </summary>
public static class ContainerdAddress
{
    public static string Current()
    {
        var fromEnv = Environment.GetEnvironmentVariable("GRPC_ADDRESS");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }
        var args = Environment.GetCommandLineArgs();
        try
        {
            return ShimFlags.Parse(args.Length > 1 ? args[1..] : []).Address;
        }
        catch (ArgumentException)
        {
            return "";
        }
    }
}
