using System.CommandLine;
using Wasmcell.Cli.Commands;

var root = new RootCommand("wasmcell: build, push, run and precompile WebAssembly container images; install the containerd shim")
{
    RunCommand.Create(),
    ImageCommands.CreateBuild(),
    ImageCommands.CreatePush(),
    ImageCommands.CreatePull(),
    PrecompileCommand.Create(),
    NodeCommands.CreateInstall(),
    NodeCommands.CreateDoctor(),
};
return await root.Parse(args).InvokeAsync();
