using System.CommandLine;
using Wasmcell.Cli.Node;

namespace Wasmcell.Cli.Commands;

/// <summary><c>wasmcell install</c> and <c>wasmcell doctor</c>: set up and check a Kubernetes node.</summary>
internal static class NodeCommands
{
    public static Command CreateInstall()
    {
        var config = ConfigOption();
        var binDir = new Option<string>("--bin-dir")
        {
            Description = "Directory on containerd's PATH that receives the shim (its four binaries, libwasmtime.so and the containerd-shim-wasm-shared-v1 link)",
            DefaultValueFactory = _ => ShimInstaller.DefaultBinDir,
        };
        var handler = HandlerOption();
        var shim = new Option<string>("--shim")
        {
            Description = "The containerd-shim-wasm-v1 binary to install (default: the one next to wasmcell)",
            DefaultValueFactory = _ => ShimInstaller.DefaultShimPath,
        };
        var command = new Command("install", "Install the Wasm shim on this node and add the `wasm` and `wasm-shared` runtime handlers to containerd's config")
        {
            config, binDir, handler, shim,
        };
        command.SetAction(parse =>
        {
            var options = new InstallOptions(
                parse.GetValue(config)!, parse.GetValue(binDir)!, parse.GetValue(handler)!, parse.GetValue(shim)!);
            try
            {
                NodeInstaller.Run(options, Console.Out, DateTimeOffset.UtcNow);
                return 0;
            }
            catch (NodeSetupException e)
            {
                Console.Error.WriteLine($"wasmcell install: {e.Message}");
                return 1;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"wasmcell install: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    public static Command CreateDoctor()
    {
        var config = ConfigOption();
        var handler = HandlerOption();
        var command = new Command("doctor", "Check that this node can run pods with the Wasm RuntimeClasses (`wasm` and `wasm-shared`)")
        {
            config, handler,
        };
        command.SetAction(parse =>
        {
            var results = NodeDoctor.Run(DoctorOptions.ForThisNode(parse.GetValue(config)!, parse.GetValue(handler)!));
            foreach (var result in results)
            {
                result.WriteTo(Console.Out);
            }
            return results.All(r => r.Ok) ? 0 : 1;
        });
        return command;
    }

    private static Option<string> ConfigOption() => new("--containerd-config")
    {
        Description = "containerd's config file",
        DefaultValueFactory = _ => ContainerdConfig.DefaultPath,
    };

    private static Option<string> HandlerOption() => new("--handler")
    {
        Description = "CRI runtime handler name (the RuntimeClass's `handler`); NAME-shared is the handler for shared mode",
        DefaultValueFactory = _ => "wasm",
    };
}
