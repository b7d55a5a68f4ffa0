using Wasmcell.Cli.Node;
using Wasmcell.Cli.Tests.Infrastructure;

namespace Wasmcell.Cli.Tests;

public sealed class RuntimeHandlerEditorTests
{
    private const string Path = "/etc/containerd/config.toml";

    [Fact]
    public void Version2_gets_the_handler_under_the_grpc_cri_plugin_and_keeps_every_other_line()
    {
        var result = RuntimeHandlerEditor.AddHandler(Path, ContainerdConfigs.Version2, "wasm");

        Assert.Equal(HandlerEdit.TableAdded, result.Edit);
        Assert.Equal(2, result.ConfigVersion);
        Assert.Contains("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.wasm]\nruntime_type = \"io.containerd.wasm.v1\"\n", result.Text);
        var config = ContainerdConfig.Parse(Path, result.Text);
        Assert.Equal("io.containerd.wasm.v1", config.RuntimeTypeOf("wasm"));
        Assert.Equal("io.containerd.runc.v2", config.RuntimeTypeOf("runc"));
        // Nothing of the original was lost or reordered: removing the added block gives it back.
        const string added = "\n# Wasm runtime handler (containerd-shim-wasm-v1), added by wasmcell install\n"
            + "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.wasm]\nruntime_type = \"io.containerd.wasm.v1\"\n\n";
        Assert.Contains(added, result.Text);
        Assert.Equal(ContainerdConfigs.Version2, result.Text.Replace(added, ""));
    }

    [Fact]
    public void Version2_handler_is_placed_with_the_cri_plugin_tables_not_after_unrelated_ones()
    {
        var result = RuntimeHandlerEditor.AddHandler(Path, ContainerdConfigs.Version2, "wasm");

        var wasm = result.Text.IndexOf("runtimes.wasm]", StringComparison.Ordinal);
        Assert.True(wasm > result.Text.IndexOf("runtimes.runc.options]", StringComparison.Ordinal));
        Assert.True(wasm < result.Text.IndexOf("io.containerd.internal.v1.opt", StringComparison.Ordinal));
    }

    [Fact]
    public void Version3_gets_the_handler_under_the_cri_runtime_plugin()
    {
        var result = RuntimeHandlerEditor.AddHandler(Path, ContainerdConfigs.Version3, "wasm");

        Assert.Equal(3, result.ConfigVersion);
        Assert.Contains("[plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.wasm]", result.Text);
        Assert.DoesNotContain("io.containerd.grpc.v1.cri", result.Text);
        Assert.Equal("io.containerd.wasm.v1", ContainerdConfig.Parse(Path, result.Text).RuntimeTypeOf("wasm"));
    }

    [Theory]
    [InlineData(ContainerdConfigs.Version2)]
    [InlineData(ContainerdConfigs.Version3)]
    public void Second_run_returns_the_text_byte_for_byte(string original)
    {
        var first = RuntimeHandlerEditor.AddHandler(Path, original, "wasm");
        var second = RuntimeHandlerEditor.AddHandler(Path, first.Text, "wasm");

        Assert.Equal(HandlerEdit.AlreadyPresent, second.Edit);
        Assert.Same(first.Text, second.Text);
    }

    [Fact]
    public void Handler_given_with_dotted_keys_counts_as_present()
    {
        const string text = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n  runtimes.wasm.runtime_type = \"io.containerd.wasm.v1\"\n";

        var result = RuntimeHandlerEditor.AddHandler(Path, text, "wasm");

        Assert.Equal(HandlerEdit.AlreadyPresent, result.Edit);
        Assert.Same(text, result.Text);
    }

    [Fact]
    public void Key_added_to_an_existing_table_takes_the_indentation_of_its_keys()
    {
        const string text = "version = 2\n[plugins]\n  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.wasm]\n    runtime_path = \"/x\"\n\n  # next\n  [grpc]\n";

        var result = RuntimeHandlerEditor.AddHandler(Path, text, "wasm");

        Assert.Equal(
            "version = 2\n[plugins]\n  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.wasm]\n    runtime_path = \"/x\"\n    runtime_type = \"io.containerd.wasm.v1\"\n\n  # next\n  [grpc]\n",
            result.Text);
    }

    [Fact]
    public void Existing_wasm_table_without_runtime_type_keeps_its_other_keys_and_options()
    {
        const string text = """
            version = 2
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.wasm]
              runtime_path = "/usr/local/bin/containerd-shim-wasm-v1"   # pinned
              pod_annotations = ["wasmcell.dev/*"]
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.wasm.options]
              ConfigPath = "/etc/containerd/wasm-shim.toml"

            """;

        var result = RuntimeHandlerEditor.AddHandler(Path, text, "wasm");

        Assert.Equal(HandlerEdit.KeyAdded, result.Edit);
        var config = ContainerdConfig.Parse(Path, result.Text);
        Assert.Equal("io.containerd.wasm.v1", config.RuntimeTypeOf("wasm"));
        Assert.Equal("/usr/local/bin/containerd-shim-wasm-v1", config.RuntimePathOf("wasm"));
        Assert.Contains("runtime_path = \"/usr/local/bin/containerd-shim-wasm-v1\"   # pinned", result.Text);
        Assert.Contains("pod_annotations = [\"wasmcell.dev/*\"]", result.Text);
        Assert.Contains("ConfigPath = \"/etc/containerd/wasm-shim.toml\"", result.Text);
        Assert.Equal(HandlerEdit.AlreadyPresent, RuntimeHandlerEditor.AddHandler(Path, result.Text, "wasm").Edit);
    }

    [Fact]
    public void Only_an_options_subtable_gets_its_parent_table_added_after_it()
    {
        const string text = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.wasm.options]\n  ConfigPath = \"/x\"\n";

        var result = RuntimeHandlerEditor.AddHandler(Path, text, "wasm");

        Assert.Equal(HandlerEdit.TableAdded, result.Edit);
        var config = ContainerdConfig.Parse(Path, result.Text);
        Assert.Equal("io.containerd.wasm.v1", config.RuntimeTypeOf("wasm"));
        Assert.Equal("/x", (config.Index.FindValue("plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes", "wasm", "options", "ConfigPath")?.Value as Tomlyn.Syntax.StringValueSyntax)?.Value);
    }

    [Fact]
    public void Handler_with_another_runtime_type_is_refused()
    {
        const string text = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.wasm]\n  runtime_type = \"io.containerd.wasmtime.v1\"\n";

        var e = Assert.Throws<NodeSetupException>(() => RuntimeHandlerEditor.AddHandler(Path, text, "wasm"));

        Assert.Contains(Path, e.Message);
        Assert.Contains("io.containerd.wasmtime.v1", e.Message);
        Assert.Contains("--handler", e.Message);
    }

    [Fact]
    public void Broken_toml_is_refused_with_the_file_name_and_position()
    {
        const string text = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"\n  sandbox_image = \"pause\"\n";

        var e = Assert.Throws<NodeSetupException>(() => RuntimeHandlerEditor.AddHandler(Path, text, "wasm"));

        Assert.Contains($"{Path} is not valid TOML", e.Message);
        Assert.Contains($"{Path}(2,", e.Message);
    }

    [Fact]
    public void Duplicate_table_is_refused_as_broken()
    {
        const string text = "version = 2\n[grpc]\naddress = \"a\"\n[grpc]\naddress = \"b\"\n";

        var e = Assert.Throws<NodeSetupException>(() => RuntimeHandlerEditor.AddHandler(Path, text, "wasm"));

        Assert.Contains("already defined", e.Message);
    }

    [Fact]
    public void Version1_config_with_plugins_is_refused_with_an_explanation()
    {
        const string text = "[plugins.cri.containerd.runtimes.runc]\n  runtime_type = \"io.containerd.runc.v2\"\n";

        var e = Assert.Throws<NodeSetupException>(() => RuntimeHandlerEditor.AddHandler(Path, text, "wasm"));

        Assert.Contains("no `version` key", e.Message);
        Assert.Contains("version 1", e.Message);
        Assert.Contains("containerd config migrate", e.Message);
    }

    [Fact]
    public void Unversioned_config_without_plugins_gets_version_2()
    {
        const string text = "# site defaults\nroot = \"/data/containerd\"\n";

        var result = RuntimeHandlerEditor.AddHandler(Path, text, "wasm");

        Assert.StartsWith("version = 2\n# site defaults\nroot = \"/data/containerd\"\n", result.Text);
        Assert.NotNull(result.Note);
        Assert.Equal("io.containerd.wasm.v1", ContainerdConfig.Parse(Path, result.Text).RuntimeTypeOf("wasm"));
    }

    [Fact]
    public void Empty_config_becomes_a_version_2_config_with_only_the_handler()
    {
        var result = RuntimeHandlerEditor.AddHandler(Path, "", "wasm");

        var config = ContainerdConfig.Parse(Path, result.Text);
        Assert.Equal(2, config.Version);
        Assert.Equal("io.containerd.wasm.v1", config.RuntimeTypeOf("wasm"));
    }

    [Fact]
    public void Unknown_version_is_refused()
    {
        var e = Assert.Throws<NodeSetupException>(() => RuntimeHandlerEditor.AddHandler(Path, "version = 4\n", "wasm"));

        Assert.Contains("version = 4", e.Message);
    }

    [Fact]
    public void Runtimes_given_as_an_inline_table_cannot_be_extended_and_say_what_to_add()
    {
        const string text = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n  runtimes = { runc = { runtime_type = \"io.containerd.runc.v2\" } }\n";

        var e = Assert.Throws<NodeSetupException>(() => RuntimeHandlerEditor.AddHandler(Path, text, "wasm"));

        Assert.Contains("by hand", e.Message);
        Assert.Contains("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.wasm]", e.Message);
    }

    [Fact]
    public void Handler_defined_by_dotted_keys_without_runtime_type_is_refused_with_the_lines_to_add()
    {
        const string text = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n  runtimes.wasm.runtime_path = \"/x\"\n";

        var e = Assert.Throws<NodeSetupException>(() => RuntimeHandlerEditor.AddHandler(Path, text, "wasm"));

        Assert.Contains("already defined", e.Message);
        Assert.Contains("runtime_type = \"io.containerd.wasm.v1\"", e.Message);
    }

    [Fact]
    public void Missing_newline_at_end_of_file_does_not_glue_the_new_table_to_the_last_line()
    {
        const string text = "version = 2\nroot = \"/var/lib/containerd\"";

        var result = RuntimeHandlerEditor.AddHandler(Path, text, "wasm");

        Assert.StartsWith(text + "\n", result.Text);
        Assert.Equal("io.containerd.wasm.v1", ContainerdConfig.Parse(Path, result.Text).RuntimeTypeOf("wasm"));
    }

    [Fact]
    public void Other_handler_names_get_their_own_table()
    {
        var result = RuntimeHandlerEditor.AddHandler(Path, ContainerdConfigs.Version2, "wasm-fast");

        var config = ContainerdConfig.Parse(Path, result.Text);
        Assert.Equal("io.containerd.wasm.v1", config.RuntimeTypeOf("wasm-fast"));
        Assert.Null(config.RuntimeTypeOf("wasm"));
    }

    [Fact]
    public void Shared_runtime_type_gets_a_table_of_its_own_that_names_its_binary()
    {
        var withWasm = RuntimeHandlerEditor.AddHandler(Path, ContainerdConfigs.Version3, "wasm").Text;

        var result = RuntimeHandlerEditor.AddHandler(Path, withWasm, "wasm-shared", ContainerdConfig.WasmSharedRuntimeType);

        Assert.Equal(HandlerEdit.TableAdded, result.Edit);
        Assert.Contains(
            "# Wasm runtime handler (containerd-shim-wasm-shared-v1), added by wasmcell install\n"
            + "[plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.wasm-shared]\nruntime_type = \"io.containerd.wasm-shared.v1\"\n",
            result.Text);
        var config = ContainerdConfig.Parse(Path, result.Text);
        Assert.Equal("io.containerd.wasm.v1", config.RuntimeTypeOf("wasm"));
        Assert.Equal("io.containerd.wasm-shared.v1", config.RuntimeTypeOf("wasm-shared"));
        Assert.Same(result.Text, RuntimeHandlerEditor.AddHandler(Path, result.Text, "wasm-shared", ContainerdConfig.WasmSharedRuntimeType).Text);
    }

    [Fact]
    public void A_handler_of_the_other_wasm_runtime_type_is_refused_not_retyped()
    {
        // A `wasm-shared` someone registered with the plain type would silently run pods one cell each.
        var text = RuntimeHandlerEditor.AddHandler(Path, ContainerdConfigs.Version2, "wasm-shared").Text;

        var e = Assert.Throws<NodeSetupException>(() => RuntimeHandlerEditor.AddHandler(Path, text, "wasm-shared", ContainerdConfig.WasmSharedRuntimeType));

        Assert.Contains("runtime_type = \"io.containerd.wasm.v1\", not \"io.containerd.wasm-shared.v1\"", e.Message);
    }

    [Theory]
    [InlineData(ContainerdConfig.WasmRuntimeType, ShimInstaller.ShimFileName)]
    [InlineData(ContainerdConfig.WasmSharedRuntimeType, ShimInstaller.SharedShimFileName)]
    [InlineData("io.containerd.runc.v2", "containerd-shim-runc-v2")]
    public void Runtime_types_map_to_binaries_as_containerd_maps_them(string runtimeType, string binary)
    {
        Assert.Equal(binary, ContainerdConfig.ShimBinaryOf(runtimeType));
    }

    [Fact]
    public void The_handlers_of_one_install_are_the_name_and_its_shared_sibling()
    {
        Assert.Equal(
            [new RuntimeHandler("wasm-fast", "io.containerd.wasm.v1"), new RuntimeHandler("wasm-fast-shared", "io.containerd.wasm-shared.v1")],
            RuntimeHandler.For("wasm-fast"));
    }

    [Theory]
    [InlineData(2, "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.wasm-shared]\n  runtime_type = \"io.containerd.wasm-shared.v1\"\n")]
    [InlineData(3, "[plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.wasm-shared]\n  runtime_type = \"io.containerd.wasm-shared.v1\"\n")]
    public void Shared_snippet_matches_what_the_editor_recognises(int version, string expected)
    {
        var snippet = RuntimeHandlerEditor.Snippet(version, "wasm-shared", ContainerdConfig.WasmSharedRuntimeType);

        Assert.Equal(expected, snippet);
        Assert.Equal(
            HandlerEdit.AlreadyPresent,
            RuntimeHandlerEditor.AddHandler(Path, $"version = {version}\n" + snippet, "wasm-shared", ContainerdConfig.WasmSharedRuntimeType).Edit);
    }

    [Theory]
    [InlineData(2, "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.wasm]\n  runtime_type = \"io.containerd.wasm.v1\"\n")]
    [InlineData(3, "[plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.wasm]\n  runtime_type = \"io.containerd.wasm.v1\"\n")]
    public void Snippet_matches_what_the_editor_recognises(int version, string expected)
    {
        var snippet = RuntimeHandlerEditor.Snippet(version, "wasm");

        Assert.Equal(expected, snippet);
        Assert.Equal(HandlerEdit.AlreadyPresent, RuntimeHandlerEditor.AddHandler(Path, $"version = {version}\n" + snippet, "wasm").Edit);
    }
}
