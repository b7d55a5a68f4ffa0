using System.Text.RegularExpressions;
using Wasmcell.Cli.Node;
using YamlDotNet.RepresentationModel;

namespace Wasmcell.Cli.Tests;

/// <summary>
/// The files under deploy/ must stay what `wasmcell install` writes and recognises: the containerd snippet,
/// the two RuntimeClasses and the installer DaemonSet all name the same handlers.
/// </summary>
public sealed class DeploySnippetTests
{
    [Fact]
    public void Deploy_snippet_is_a_complete_handler_for_config_version_2()
    {
        var snippet = File.ReadAllText(Deploy("containerd", "wasm-runtime.toml"));

        var result = RuntimeHandlerEditor.AddHandler("wasm-runtime.toml", "version = 2\n" + snippet, "wasm");

        Assert.Equal(HandlerEdit.AlreadyPresent, result.Edit);
    }

    [Fact]
    public void Deploy_snippet_has_both_handlers_for_config_version_2_and_in_its_version_3_comment()
    {
        var snippet = File.ReadAllText(Deploy("containerd", "wasm-runtime.toml"));
        // The version 3 tables are commented out: uncomment the lines that open or fill a runtimes table.
        var version3 = string.Concat(snippet.Split('\n')
            .Where(line => line.StartsWith("# [plugins.\"io.containerd.cri.v1.runtime\"", StringComparison.Ordinal) || line.StartsWith("#   runtime_type", StringComparison.Ordinal))
            .Select(line => line[2..] + "\n"));

        foreach (var handler in RuntimeHandler.For("wasm"))
        {
            Assert.Equal(HandlerEdit.AlreadyPresent, RuntimeHandlerEditor.AddHandler("v2", "version = 2\n" + snippet, handler.Name, handler.RuntimeType).Edit);
            Assert.Equal(HandlerEdit.AlreadyPresent, RuntimeHandlerEditor.AddHandler("v3", "version = 3\n" + version3, handler.Name, handler.RuntimeType).Edit);
        }
    }

    [Fact]
    public void RuntimeClasses_name_the_handlers_install_registers_for_the_daemonsets_handler()
    {
        var daemonSet = File.ReadAllText(Deploy("installer", "daemonset.yaml"));
        var installed = Regex.Match(daemonSet, @"^\s+--handler (\S+)\s*$", RegexOptions.Multiline).Groups[1].Value;
        var handlers = RuntimeHandler.For(installed);

        var plain = RuntimeClass("runtimeclass.yaml");
        var shared = RuntimeClass("runtimeclass-shared.yaml");

        Assert.Equal(("wasm", "wasm"), plain);
        Assert.Equal(("wasm-shared", "wasm-shared"), shared);
        Assert.Equal(handlers[0].Name, plain.Handler);
        Assert.Equal(handlers[1].Name, shared.Handler);
        Assert.Equal(ContainerdConfig.WasmSharedRuntimeType, handlers[1].RuntimeType);
    }

    [Fact]
    public void Shared_runtime_class_explains_its_isolation_trade_off()
    {
        var text = File.ReadAllText(Deploy("runtimeclass-shared.yaml"));

        Assert.Contains("Wasm runtime alone", text);
        Assert.Contains("WASMCELL_SHARED_SCOPE=node", text);
        Assert.Contains(ShimInstaller.SharedShimFileName, text);
    }

    /// <summary>A RuntimeClass manifest's metadata.name and handler, after checking it is the node.k8s.io/v1 kind.</summary>
    private static (string Name, string Handler) RuntimeClass(string fileName)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Deploy(fileName))));
        var root = (YamlMappingNode)Assert.Single(stream.Documents).RootNode;
        Assert.Equal("node.k8s.io/v1", Scalar(root, "apiVersion"));
        Assert.Equal("RuntimeClass", Scalar(root, "kind"));
        return (Scalar((YamlMappingNode)root.Children[new YamlScalarNode("metadata")], "name"), Scalar(root, "handler"));
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;

    private static string Deploy(params string[] parts) => Path.Combine([RepoRoot(), "deploy", .. parts]);

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
