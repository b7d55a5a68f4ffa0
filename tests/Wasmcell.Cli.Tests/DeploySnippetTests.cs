using Wasmcell.Cli.Node;

namespace Wasmcell.Cli.Tests;

/// <summary>deploy/containerd/wasm-runtime.toml must stay what `wasmcell install` writes and recognises.</summary>
public sealed class DeploySnippetTests
{
    [Fact]
    public void Deploy_snippet_is_a_complete_handler_for_config_version_2()
    {
        var snippet = File.ReadAllText(Path.Combine(RepoRoot(), "deploy", "containerd", "wasm-runtime.toml"));

        var result = RuntimeHandlerEditor.AddHandler("wasm-runtime.toml", "version = 2\n" + snippet, "wasm");

        Assert.Equal(HandlerEdit.AlreadyPresent, result.Edit);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Wasmcell.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Wasmcell.slnx above {AppContext.BaseDirectory}");
    }
}
