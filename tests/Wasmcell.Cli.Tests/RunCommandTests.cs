using Wasmcell.Cli.Commands;

namespace Wasmcell.Cli.Tests;

/// <summary>`wasmcell run` of a command component and its core twin, through a precompile cache of the test's own.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("wasmcell-run-cache-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    private int Run(params string[] args) => RunCommand.Create().Parse(["--cache-dir", _cache, .. args]).Invoke();

    private string[] Keys() => Directory.Exists(Path.Combine(_cache, "keys")) ? Directory.GetFiles(Path.Combine(_cache, "keys")) : [];

    [Fact]
    public void A_command_component_runs_and_its_exit_is_0_or_1()
    {
        var component = TestData.Path("components/hello-cli.component.wasm");

        Assert.Equal(0, Run(component, "exit", "0"));
        Assert.Equal(1, Run(component, "exit", "7"));
    }

    [Fact]
    public void Modules_and_components_are_compiled_into_the_cache_once()
    {
        Assert.Equal(0, Run(TestData.Path("components/hello-cli.component.wasm"), "exit", "0"));
        Assert.Equal(0, Run(TestData.Path("components/hello-cli.core.wasm"), "exit", "0"));
        var keys = Keys();
        Assert.Equal(2, keys.Length);

        // The second run of each finds its entry: nothing new is compiled or stored.
        Assert.Equal(0, Run(TestData.Path("components/hello-cli.component.wasm"), "exit", "0"));
        Assert.Equal(0, Run(TestData.Path("components/hello-cli.core.wasm"), "exit", "0"));
        Assert.Equal(keys, Keys());
        Assert.Equal(2, Directory.GetFiles(Path.Combine(_cache, "objects")).Length);
    }

    [Fact]
    public void Without_a_cache_it_still_runs()
    {
        Assert.Equal(0, RunCommand.Create().Parse(["--cache-dir", "off", TestData.Path("components/hello-cli.component.wasm"), "exit", "0"]).Invoke());
        Assert.Empty(Keys());
    }
}
