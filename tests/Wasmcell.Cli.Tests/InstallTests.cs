using System.Text;
using Wasmcell.Cli.Node;
using Wasmcell.Cli.Tests.Infrastructure;

namespace Wasmcell.Cli.Tests;

public sealed class InstallTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 5, 45, 12, TimeSpan.Zero);
    private readonly TempDir _dir = new();
    private readonly StringWriter _output = new();

    public void Dispose() => _dir.Dispose();

    private InstallOptions Options(string config) => new(config, _dir.Combine("bin"), "wasm", _dir.Combine("release", ShimInstaller.ShimFileName));

    private void WriteRelease(string shim = "shim-v1", string? library = "libwasmtime-v1", string? daemon = "daemon-v1")
    {
        _dir.Write("release/" + ShimInstaller.ShimFileName, shim);
        if (daemon is not null)
        {
            _dir.Write("release/" + ShimInstaller.DaemonFileName, daemon);
        }
        _dir.Write("release/" + ShimInstaller.CellFileName, "cell-v1");
        _dir.Write("release/" + ShimInstaller.ComponentCellFileName, "component-v1");
        _dir.Write("release/" + ShimInstaller.FetchFileName, "fetch-v1");
        if (library is not null)
        {
            _dir.Write("release/" + ShimInstaller.WasmtimeLibraryName, library);
        }
        Directory.CreateDirectory(_dir.Combine("bin"));
    }

    [Fact]
    public void Install_edits_the_config_keeps_a_timestamped_backup_and_copies_shim_and_library()
    {
        WriteRelease();
        var config = _dir.Write("etc/containerd/config.toml", ContainerdConfigs.Version2);
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var changed = NodeInstaller.Run(Options(config), _output, Now);

        Assert.True(changed);
        var backup = config + ".bak-20261127T054512Z";
        Assert.Equal(ContainerdConfigs.Version2, File.ReadAllText(backup));
        var parsed = ContainerdConfig.Parse(config, File.ReadAllText(config));
        Assert.Equal("io.containerd.wasm.v1", parsed.RuntimeTypeOf("wasm"));
        Assert.Equal("io.containerd.wasm-shared.v1", parsed.RuntimeTypeOf("wasm-shared"));
        Assert.Single(Directory.GetFiles(_dir.Combine("etc/containerd"), "config.toml.bak-*"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        Assert.Equal("shim-v1", File.ReadAllText(_dir.Combine("bin", ShimInstaller.ShimFileName)));
        Assert.Equal("libwasmtime-v1", File.ReadAllText(_dir.Combine("bin", ShimInstaller.WasmtimeLibraryName)));
        Assert.Equal("daemon-v1", File.ReadAllText(_dir.Combine("bin", ShimInstaller.DaemonFileName)));
        Assert.Equal("cell-v1", File.ReadAllText(_dir.Combine("bin", ShimInstaller.CellFileName)));
        Assert.Equal("component-v1", File.ReadAllText(_dir.Combine("bin", ShimInstaller.ComponentCellFileName)));
        Assert.Equal("fetch-v1", File.ReadAllText(_dir.Combine("bin", ShimInstaller.FetchFileName)));
        Assert.True(ExecutableSearch.IsExecutable(_dir.Combine("bin", ShimInstaller.ShimFileName)));
        Assert.True(ExecutableSearch.IsExecutable(_dir.Combine("bin", ShimInstaller.DaemonFileName)));
        Assert.True(ExecutableSearch.IsExecutable(_dir.Combine("bin", ShimInstaller.CellFileName)));
        Assert.True(ExecutableSearch.IsExecutable(_dir.Combine("bin", ShimInstaller.ComponentCellFileName)));
        // Shared mode: the launcher under its second name, as a relative link beside it.
        Assert.Equal(ShimInstaller.ShimFileName, new FileInfo(_dir.Combine("bin", ShimInstaller.SharedShimFileName)).LinkTarget);
        Assert.Equal("shim-v1", File.ReadAllText(_dir.Combine("bin", ShimInstaller.SharedShimFileName)));
        Assert.Contains($"{_dir.Combine("bin", ShimInstaller.SharedShimFileName)}: installed as a symlink to {ShimInstaller.ShimFileName}", _output.ToString());
        Assert.Contains("restart", _output.ToString());
        Assert.Contains(NodeInstaller.RestartCommand(), _output.ToString());
        // No temporary files are left in either directory.
        Assert.Empty(Directory.GetFiles(_dir.Combine("bin"), ".*"));
        Assert.Empty(Directory.GetFiles(_dir.Combine("etc/containerd"), ".*"));
    }

    [Fact]
    public void A_release_without_the_daemon_binary_is_refused_before_anything_changes()
    {
        WriteRelease(daemon: null);
        var config = _dir.Write("etc/containerd/config.toml", ContainerdConfigs.Version2);

        var e = Assert.Throws<NodeSetupException>(() => NodeInstaller.Run(Options(config), _output, Now));

        Assert.Contains(ShimInstaller.DaemonFileName, e.Message);
        Assert.Equal(ContainerdConfigs.Version2, File.ReadAllText(config));
        Assert.Empty(Directory.GetFiles(_dir.Combine("bin")));
    }

    [Fact]
    public void Second_install_changes_nothing_and_makes_no_new_backup()
    {
        WriteRelease();
        var config = _dir.Write("etc/containerd/config.toml", ContainerdConfigs.Version3);
        NodeInstaller.Run(Options(config), _output, Now);
        var afterFirst = File.ReadAllBytes(config);
        var shimTime = File.GetLastWriteTimeUtc(_dir.Combine("bin", ShimInstaller.ShimFileName));
        var second = new StringWriter();

        var changed = NodeInstaller.Run(Options(config), second, Now.AddMinutes(1));

        Assert.False(changed);
        Assert.Equal(afterFirst, File.ReadAllBytes(config));
        Assert.Single(Directory.GetFiles(_dir.Combine("etc/containerd"), "config.toml.bak-*"));
        Assert.Equal(shimTime, File.GetLastWriteTimeUtc(_dir.Combine("bin", ShimInstaller.ShimFileName)));
        Assert.Contains($"{_dir.Combine("bin", ShimInstaller.SharedShimFileName)}: up to date (-> {ShimInstaller.ShimFileName})", second.ToString());
        Assert.Contains("runtimes.wasm-shared] already has runtime_type = \"io.containerd.wasm-shared.v1\"; unchanged", second.ToString());
        Assert.Contains("Nothing changed; no restart needed.", second.ToString());
    }

    [Fact]
    public void A_new_shim_build_replaces_the_installed_one_even_when_the_config_is_done()
    {
        WriteRelease("shim-v1");
        var config = _dir.Write("etc/containerd/config.toml", ContainerdConfigs.Version2);
        NodeInstaller.Run(Options(config), _output, Now);
        WriteRelease("shim-v2");

        var changed = NodeInstaller.Run(Options(config), _output, Now);

        Assert.True(changed);
        Assert.Equal("shim-v2", File.ReadAllText(_dir.Combine("bin", ShimInstaller.ShimFileName)));
        // The link follows the launcher it names: nothing to redo for it.
        Assert.Equal("shim-v2", File.ReadAllText(_dir.Combine("bin", ShimInstaller.SharedShimFileName)));
        Assert.Single(Directory.GetFiles(_dir.Combine("etc/containerd"), "config.toml.bak-*"));
    }

    [Fact]
    public void Symlinked_config_is_edited_at_its_target_and_stays_a_link()
    {
        WriteRelease();
        var target = _dir.Write("managed/containerd.toml", ContainerdConfigs.Version2);
        Directory.CreateDirectory(_dir.Combine("etc/containerd"));
        var link = _dir.Combine("etc/containerd/config.toml");
        File.CreateSymbolicLink(link, target);

        NodeInstaller.Run(Options(link), _output, Now);

        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Equal("io.containerd.wasm.v1", ContainerdConfig.Parse(target, File.ReadAllText(target)).RuntimeTypeOf("wasm"));
        Assert.Equal(ContainerdConfigs.Version2, File.ReadAllText(target + ".bak-20261127T054512Z"));
    }

    [Fact]
    public void Missing_config_file_is_created_with_version_2()
    {
        WriteRelease();
        var config = _dir.Combine("etc/containerd/config.toml");

        NodeInstaller.Run(Options(config), _output, Now);

        var parsed = ContainerdConfig.Parse(config, File.ReadAllText(config));
        Assert.Equal(2, parsed.Version);
        Assert.Equal("io.containerd.wasm.v1", parsed.RuntimeTypeOf("wasm"));
        Assert.Equal("io.containerd.wasm-shared.v1", parsed.RuntimeTypeOf("wasm-shared"));
        Assert.Empty(Directory.GetFiles(_dir.Combine("etc/containerd"), "*.bak-*"));
    }

    [Fact]
    public void Broken_config_is_left_untouched_and_nothing_is_copied()
    {
        WriteRelease();
        const string broken = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"\n";
        var config = _dir.Write("etc/containerd/config.toml", broken);

        var e = Assert.Throws<NodeSetupException>(() => NodeInstaller.Run(Options(config), _output, Now));

        Assert.Contains(config, e.Message);
        Assert.Equal(broken, File.ReadAllText(config));
        Assert.Empty(Directory.GetFiles(_dir.Combine("bin")));
        Assert.Single(Directory.GetFiles(_dir.Combine("etc/containerd")));
    }

    [Fact]
    public void Missing_shim_is_refused_before_the_config_is_touched()
    {
        Directory.CreateDirectory(_dir.Combine("bin"));
        var config = _dir.Write("etc/containerd/config.toml", ContainerdConfigs.Version2);

        var e = Assert.Throws<NodeSetupException>(() => NodeInstaller.Run(Options(config), _output, Now));

        Assert.Contains("--shim", e.Message);
        Assert.Equal(ContainerdConfigs.Version2, File.ReadAllText(config));
    }

    [Fact]
    public void Missing_library_is_a_warning_and_the_shim_is_still_installed()
    {
        WriteRelease(library: null);
        var config = _dir.Write("etc/containerd/config.toml", ContainerdConfigs.Version2);

        NodeInstaller.Run(Options(config), _output, Now);

        Assert.Contains($"warning: no {ShimInstaller.WasmtimeLibraryName}", _output.ToString());
        Assert.True(File.Exists(_dir.Combine("bin", ShimInstaller.ShimFileName)));
    }

    [Theory]
    [InlineData("Wasm")]
    [InlineData("wasm_1")]
    [InlineData("-wasm")]
    [InlineData("")]
    [InlineData("a23456789012345678901234567890123456789012345678901234567")] // 57 + "-shared" is over 63
    public void Handler_names_kubernetes_cannot_use_are_refused(string handler)
    {
        WriteRelease();
        var config = _dir.Write("etc/containerd/config.toml", ContainerdConfigs.Version2);

        Assert.Throws<NodeSetupException>(() => NodeInstaller.Run(Options(config) with { Handler = handler }, _output, Now));
        Assert.Equal(ContainerdConfigs.Version2, File.ReadAllText(config));
    }

    [Fact]
    public void A_node_installed_before_shared_mode_gets_the_shared_handler_and_link_with_one_backup()
    {
        WriteRelease();
        var before = RuntimeHandlerEditor.AddHandler("config.toml", ContainerdConfigs.Version2, "wasm").Text;
        var config = _dir.Write("etc/containerd/config.toml", before);

        var changed = NodeInstaller.Run(Options(config), _output, Now);

        Assert.True(changed);
        var output = _output.ToString();
        Assert.Contains("runtimes.wasm] already has runtime_type = \"io.containerd.wasm.v1\"; unchanged", output);
        Assert.Contains("added [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.wasm-shared] runtime_type = \"io.containerd.wasm-shared.v1\"", output);
        Assert.Contains("# Wasm runtime handler (containerd-shim-wasm-shared-v1), added by wasmcell install", File.ReadAllText(config));
        Assert.Equal(before, File.ReadAllText(Assert.Single(Directory.GetFiles(_dir.Combine("etc/containerd"), "config.toml.bak-*"))));
        var parsed = ContainerdConfig.Parse(config, File.ReadAllText(config));
        Assert.Equal("io.containerd.wasm.v1", parsed.RuntimeTypeOf("wasm"));
        Assert.Equal("io.containerd.wasm-shared.v1", parsed.RuntimeTypeOf("wasm-shared"));
    }

    [Fact]
    public void A_conflicting_shared_handler_is_refused_before_anything_changes()
    {
        WriteRelease();
        const string text = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.wasm-shared]\n  runtime_type = \"io.containerd.runc.v2\"\n";
        var config = _dir.Write("etc/containerd/config.toml", text);

        var e = Assert.Throws<NodeSetupException>(() => NodeInstaller.Run(Options(config), _output, Now));

        Assert.Contains("`wasm-shared` already exists with runtime_type = \"io.containerd.runc.v2\"", e.Message);
        Assert.Contains("io.containerd.wasm-shared.v1", e.Message);
        // Not even the `wasm` handler, which alone would have fitted, was written.
        Assert.Equal(text, File.ReadAllText(config));
        Assert.Single(Directory.GetFiles(_dir.Combine("etc/containerd")));
        Assert.Empty(Directory.GetFiles(_dir.Combine("bin")));
    }

    [Theory]
    [InlineData("file")]
    [InlineData("absolute link")]
    [InlineData("dangling link")]
    public void A_stale_shared_shim_is_replaced_by_the_relative_link(string stale)
    {
        WriteRelease();
        var config = _dir.Write("etc/containerd/config.toml", ContainerdConfigs.Version2);
        NodeInstaller.Run(Options(config), new StringWriter(), Now);
        var link = _dir.Combine("bin", ShimInstaller.SharedShimFileName);
        File.Delete(link);
        switch (stale)
        {
            case "file":
                _dir.Write("bin/" + ShimInstaller.SharedShimFileName, "an old copy of the launcher");
                break;
            case "absolute link":
                File.CreateSymbolicLink(link, _dir.Combine("release", ShimInstaller.ShimFileName));
                break;
            default:
                File.CreateSymbolicLink(link, "containerd-shim-gone");
                break;
        }

        var changed = NodeInstaller.Run(Options(config), _output, Now);

        Assert.True(changed);
        Assert.Equal(ShimInstaller.ShimFileName, new FileInfo(link).LinkTarget);
        Assert.Equal("shim-v1", File.ReadAllText(link));
        Assert.Contains($"{link}: replaced with a symlink to {ShimInstaller.ShimFileName}", _output.ToString());
        Assert.Contains(NodeInstaller.RestartCommand(), _output.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Combine("bin"), ".*"));
    }

    [Fact]
    public void A_directory_where_the_shared_link_goes_is_refused_before_anything_changes()
    {
        WriteRelease();
        Directory.CreateDirectory(_dir.Combine("bin", ShimInstaller.SharedShimFileName));
        var config = _dir.Write("etc/containerd/config.toml", ContainerdConfigs.Version2);

        var e = Assert.Throws<NodeSetupException>(() => NodeInstaller.Run(Options(config), _output, Now));

        Assert.Contains("is a directory", e.Message);
        Assert.Equal(ContainerdConfigs.Version2, File.ReadAllText(config));
        Assert.Empty(Directory.GetFiles(_dir.Combine("bin")));
    }

    [Fact]
    public void Backup_names_do_not_collide_within_one_second()
    {
        var config = _dir.Write("config.toml", "version = 2\n");
        File.WriteAllText(config + ".bak-20261127T054512Z", "older");

        Assert.Equal(config + ".bak-20261127T054512Z.1", ConfigInstaller.BackupPath(config, Now));
    }

    [Fact]
    public void Install_command_returns_0_then_1_for_a_broken_config()
    {
        WriteRelease();
        var config = _dir.Write("etc/containerd/config.toml", ContainerdConfigs.Version2);
        string[] args = ["--containerd-config", config, "--bin-dir", _dir.Combine("bin"), "--shim", _dir.Combine("release", ShimInstaller.ShimFileName)];

        Assert.Equal(0, Commands.NodeCommands.CreateInstall().Parse(args).Invoke());
        Assert.Equal("io.containerd.wasm.v1", ContainerdConfig.Parse(config, File.ReadAllText(config)).RuntimeTypeOf("wasm"));
        Assert.Equal("io.containerd.wasm-shared.v1", ContainerdConfig.Parse(config, File.ReadAllText(config)).RuntimeTypeOf("wasm-shared"));

        File.WriteAllText(config, "version = = 2\n", Encoding.UTF8);
        Assert.Equal(1, Commands.NodeCommands.CreateInstall().Parse(args).Invoke());
    }
}
