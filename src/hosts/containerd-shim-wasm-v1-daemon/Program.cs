using Wasmcell.Shim;

// containerd-shim-wasm-v1-daemon: the daemon, and the actions the launcher (containerd-shim-wasm-v1) hands
// over. Cells run from their own binary (ShimBinaries); their sources are compiled here too, for the tests.
ShimFlags flags;
try
{
    flags = ShimFlags.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (flags.Version)
{
    Console.WriteLine($"containerd-shim-wasm-v1 (wasmcell) {typeof(ShimFlags).Assembly.GetName().Version}, Wasmtime {Wasmcell.Runtime.WasmEngine.WasmtimeVersion}");
    return 0;
}
if (flags.Info)
{
    // containerd 2.x asks for RuntimeInfo only for idmap mounts, which we do not support.
    Console.Error.WriteLine("-info is not supported by containerd-shim-wasm-v1");
    return 1;
}
if (flags.Namespace.Length == 0)
{
    Console.Error.WriteLine("shim namespace cannot be empty");
    return 1;
}

try
{
    return flags.Action switch
    {
        "start" => StartCommand.Run(flags),
        "delete" => DeleteCommand.Run(flags),
        "" => Daemon.Run(flags),
        _ => Unknown(flags.Action),
    };
}
catch (Exception e)
{
    Console.Error.WriteLine($"containerd-shim-wasm-v1 {flags.Action}: {e.Message}");
    return 1;
}

static int Unknown(string action)
{
    Console.Error.WriteLine($"unknown action {action}; expected start or delete");
    return 2;
}
