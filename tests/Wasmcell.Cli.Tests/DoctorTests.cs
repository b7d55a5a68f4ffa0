using Wasmcell.Cli.Node;
using Wasmcell.Cli.Tests.Infrastructure;

namespace Wasmcell.Cli.Tests;

public sealed class DoctorTests : IDisposable
{
    private const string V1MountInfo = """
        25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        26 25 0:24 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755
        27 26 0:25 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw
        28 26 0:26 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,memory
        29 26 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpu,cpuacct

        """;

    private const string V2MountInfo = "26 25 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";

    private readonly TempDir _dir = new();

    public DoctorTests()
    {
        _dir.WriteScript("usr/bin/containerd", "echo 'containerd github.com/containerd/containerd v1.7.13 7c3aca7'");
        _dir.WriteScript("usr/bin/runc", "echo 'runc version 1.1.12'; echo 'spec: 1.0.2-dev'");
        _dir.WriteScript("opt/containerd/bin/" + ShimInstaller.ShimFileName, "exit 0");
        _dir.Write("opt/containerd/bin/" + ShimInstaller.WasmtimeLibraryName, "lib");
        _dir.WriteScript("opt/containerd/bin/" + ShimInstaller.DaemonFileName, "exit 0");
        _dir.WriteScript("opt/containerd/bin/" + ShimInstaller.CellFileName, "exit 0");
        _dir.WriteScript("opt/containerd/bin/" + ShimInstaller.ComponentCellFileName, "exit 0");
        _dir.WriteScript("opt/containerd/bin/" + ShimInstaller.FetchFileName, "exit 0");
        File.CreateSymbolicLink(_dir.Combine("opt/containerd/bin", ShimInstaller.SharedShimFileName), ShimInstaller.ShimFileName);
        _dir.Write("etc/containerd/config.toml", WithHandlers(ConfigWithOpt, RuntimeHandler.For("wasm")));
        _dir.Write("mountinfo", V2MountInfo);
    }

    private string ConfigWithOpt => $"version = 2\n[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"{_dir.Combine("opt/containerd")}\"\n";

    public void Dispose() => _dir.Dispose();

    private static string WithHandlers(string config, params RuntimeHandler[] handlers) =>
        handlers.Aggregate(config, (text, h) => RuntimeHandlerEditor.AddHandler("config.toml", text, h.Name, h.RuntimeType).Text);

    private const string Shim = "shim " + ShimInstaller.ShimFileName;
    private const string SharedShim = "shim " + ShimInstaller.SharedShimFileName;

    private DoctorOptions Options(IKernelProbe? kernel = null) =>
        new(_dir.Combine("etc/containerd/config.toml"), "wasm", _dir.Combine("usr/bin"), _dir.Combine("mountinfo"), kernel ?? new FakeKernel());

    private static DoctorResult Line(IReadOnlyList<DoctorResult> results, string check) => Assert.Single(results, r => r.Check.StartsWith(check, StringComparison.Ordinal));

    [Fact]
    public void Healthy_node_passes_every_check()
    {
        var results = NodeDoctor.Run(Options());

        Assert.All(results, r => Assert.True(r.Ok, $"{r.Check}: {r.Detail}"));
        Assert.Equal(9, results.Count);
        Assert.Contains("v1.7.13", Line(results, "containerd version").Detail);
        Assert.Contains("runtime_type = \"io.containerd.wasm.v1\"", Line(results, "handler 'wasm' configured").Detail);
        Assert.Contains("runtime_type = \"io.containerd.wasm-shared.v1\"", Line(results, "handler 'wasm-shared' configured").Detail);
        Assert.StartsWith(_dir.Combine("opt/containerd/bin", ShimInstaller.ShimFileName) + " (with", Line(results, Shim).Detail);
        Assert.StartsWith(
            $"{_dir.Combine("opt/containerd/bin", ShimInstaller.SharedShimFileName)} -> {_dir.Combine("opt/containerd/bin", ShimInstaller.ShimFileName)} (with",
            Line(results, SharedShim).Detail);
        Assert.Contains("runc version 1.1.12", Line(results, "runc").Detail);
        Assert.Equal("v2 (unified)", Line(results, "cgroups").Detail);
    }

    [Fact]
    public void Old_containerd_fails_with_an_upgrade_hint()
    {
        _dir.WriteScript("usr/bin/containerd", "echo 'containerd github.com/containerd/containerd v1.5.18 abc'");

        var line = Line(NodeDoctor.Run(Options()), "containerd version");

        Assert.False(line.Ok);
        Assert.Contains("upgrade", line.Hint);
    }

    [Fact]
    public void Missing_handler_fails_and_names_the_install_command()
    {
        _dir.Write("etc/containerd/config.toml", ConfigWithOpt);

        var line = Line(NodeDoctor.Run(Options()), "handler 'wasm' configured");

        Assert.False(line.Ok);
        Assert.Contains("wasmcell install", line.Hint);
    }

    [Fact]
    public void Missing_config_and_broken_config_fail()
    {
        File.Delete(_dir.Combine("etc/containerd/config.toml"));
        var missing = Line(NodeDoctor.Run(Options()), "handler 'wasm' configured");
        _dir.Write("etc/containerd/config.toml", "version = [\n");
        var broken = Line(NodeDoctor.Run(Options()), "handler 'wasm' configured");

        Assert.False(missing.Ok);
        Assert.Contains("does not exist", missing.Detail);
        Assert.False(broken.Ok);
        Assert.Contains("not valid TOML", broken.Detail);
    }

    [Fact]
    public void Disabled_cri_plugin_fails()
    {
        var config = _dir.Combine("etc/containerd/config.toml");
        File.WriteAllText(config, "disabled_plugins = [\"cri\"]\n" + File.ReadAllText(config));

        var results = NodeDoctor.Run(Options());

        Assert.False(Line(results, "handler 'wasm' configured").Ok);
        Assert.False(Line(results, "handler 'wasm-shared' configured").Ok);
    }

    [Theory]
    [InlineData(ShimInstaller.WasmtimeLibraryName)]
    [InlineData(ShimInstaller.DaemonFileName)]
    [InlineData(ShimInstaller.CellFileName)]
    [InlineData(ShimInstaller.ComponentCellFileName)]
    [InlineData(ShimInstaller.FetchFileName)]
    public void Shim_without_a_companion_beside_it_fails(string companion)
    {
        File.Delete(_dir.Combine("opt/containerd/bin", companion));

        var line = Line(NodeDoctor.Run(Options()), Shim);

        Assert.False(line.Ok);
        Assert.Contains(companion, line.Detail);
    }

    [Fact]
    public void Shim_on_path_is_found_when_the_opt_bin_dir_lacks_it()
    {
        File.Move(_dir.Combine("opt/containerd/bin", ShimInstaller.ShimFileName), _dir.Combine("usr/bin", ShimInstaller.ShimFileName));
        File.Move(_dir.Combine("opt/containerd/bin", ShimInstaller.WasmtimeLibraryName), _dir.Combine("usr/bin", ShimInstaller.WasmtimeLibraryName));
        File.Move(_dir.Combine("opt/containerd/bin", ShimInstaller.DaemonFileName), _dir.Combine("usr/bin", ShimInstaller.DaemonFileName));
        File.Move(_dir.Combine("opt/containerd/bin", ShimInstaller.CellFileName), _dir.Combine("usr/bin", ShimInstaller.CellFileName));
        File.Move(_dir.Combine("opt/containerd/bin", ShimInstaller.ComponentCellFileName), _dir.Combine("usr/bin", ShimInstaller.ComponentCellFileName));
        File.Move(_dir.Combine("opt/containerd/bin", ShimInstaller.FetchFileName), _dir.Combine("usr/bin", ShimInstaller.FetchFileName));

        var line = Line(NodeDoctor.Run(Options()), Shim);

        Assert.True(line.Ok, line.Detail);
        Assert.StartsWith(_dir.Combine("usr/bin", ShimInstaller.ShimFileName), line.Detail);
    }

    [Fact]
    public void Shim_missing_everywhere_fails_and_lists_where_it_looked()
    {
        File.Delete(_dir.Combine("opt/containerd/bin", ShimInstaller.ShimFileName));

        var line = Line(NodeDoctor.Run(Options()), Shim);

        Assert.False(line.Ok);
        Assert.Contains(_dir.Combine("opt/containerd/bin"), line.Detail);
        Assert.Contains(_dir.Combine("usr/bin"), line.Detail);
    }

    [Fact]
    public void Runtime_path_in_the_handler_table_replaces_the_search()
    {
        var config = _dir.Combine("etc/containerd/config.toml");
        File.WriteAllText(config, File.ReadAllText(config).Replace("runtime_type = \"io.containerd.wasm.v1\"", "runtime_type = \"io.containerd.wasm.v1\"\nruntime_path = \"/nonexistent/shim\""));

        var line = Line(NodeDoctor.Run(Options()), Shim);

        Assert.False(line.Ok);
        Assert.Contains("/nonexistent/shim", line.Detail);
    }

    [Fact]
    public void A_node_without_the_shared_handler_fails_only_that_check()
    {
        _dir.Write("etc/containerd/config.toml", WithHandlers(ConfigWithOpt, RuntimeHandler.For("wasm")[0]));

        var results = NodeDoctor.Run(Options());

        Assert.True(Line(results, "handler 'wasm' configured").Ok);
        var shared = Line(results, "handler 'wasm-shared' configured");
        Assert.False(shared.Ok);
        Assert.Contains("runtimes.wasm-shared]", shared.Detail);
        // --handler takes the base name: installing it adds the shared sibling.
        Assert.Contains("--handler wasm`", shared.Hint);
    }

    [Fact]
    public void Shared_handler_with_the_plain_wasm_runtime_type_fails()
    {
        _dir.Write("etc/containerd/config.toml", WithHandlers(ConfigWithOpt, new RuntimeHandler("wasm", ContainerdConfig.WasmRuntimeType), new RuntimeHandler("wasm-shared", ContainerdConfig.WasmRuntimeType)));

        var line = Line(NodeDoctor.Run(Options()), "handler 'wasm-shared' configured");

        Assert.False(line.Ok);
        Assert.Contains("not \"io.containerd.wasm-shared.v1\"", line.Detail);
    }

    [Fact]
    public void Missing_shared_link_fails_with_the_install_hint()
    {
        File.Delete(_dir.Combine("opt/containerd/bin", ShimInstaller.SharedShimFileName));

        var results = NodeDoctor.Run(Options());

        Assert.True(Line(results, Shim).Ok);
        var line = Line(results, SharedShim);
        Assert.False(line.Ok);
        Assert.StartsWith("not found in " + _dir.Combine("opt/containerd/bin"), line.Detail);
        Assert.Contains($"links {ShimInstaller.SharedShimFileName} to {ShimInstaller.ShimFileName}", line.Hint);
    }

    [Fact]
    public void Shared_shim_that_is_a_separate_copy_fails()
    {
        // Beside the companions, so only the "is it the launcher" test can catch it: a copy keeps the build it was copied from.
        var copy = _dir.Combine("opt/containerd/bin", ShimInstaller.SharedShimFileName);
        File.Delete(copy);
        _dir.WriteScript("opt/containerd/bin/" + ShimInstaller.SharedShimFileName, "exit 0");

        var line = Line(NodeDoctor.Run(Options()), SharedShim);

        Assert.False(line.Ok);
        Assert.Contains($"which is not the launcher {_dir.Combine("opt/containerd/bin", ShimInstaller.ShimFileName)}", line.Detail);
    }

    [Fact]
    public void A_dangling_shared_link_counts_as_missing_and_the_search_goes_on()
    {
        // What the link becomes when the launcher beside it is removed; containerd's exec would fail on it.
        File.Delete(_dir.Combine("opt/containerd/bin", ShimInstaller.SharedShimFileName));
        File.CreateSymbolicLink(_dir.Combine("opt/containerd/bin", ShimInstaller.SharedShimFileName), "containerd-shim-gone");

        var line = Line(NodeDoctor.Run(Options()), SharedShim);

        Assert.False(line.Ok);
        Assert.StartsWith("not found in", line.Detail);
    }

    [Fact]
    public void Shim_links_on_path_are_followed_to_the_directory_of_the_companions()
    {
        // The launcher finds its daemon and cell beside /proc/self/exe, i.e. beside the link's target.
        Directory.Move(_dir.Combine("opt/containerd/bin"), _dir.Combine("opt/wasmcell"));
        File.CreateSymbolicLink(_dir.Combine("usr/bin", ShimInstaller.ShimFileName), _dir.Combine("opt/wasmcell", ShimInstaller.ShimFileName));
        File.CreateSymbolicLink(_dir.Combine("usr/bin", ShimInstaller.SharedShimFileName), _dir.Combine("opt/wasmcell", ShimInstaller.SharedShimFileName));

        var results = NodeDoctor.Run(Options());

        Assert.True(Line(results, Shim).Ok, Line(results, Shim).Detail);
        var shared = Line(results, SharedShim);
        Assert.True(shared.Ok, shared.Detail);
        Assert.StartsWith($"{_dir.Combine("usr/bin", ShimInstaller.SharedShimFileName)} -> {_dir.Combine("opt/wasmcell", ShimInstaller.ShimFileName)}", shared.Detail);
    }

    [Fact]
    public void No_cgroups_and_missing_kernel_features_fail_and_the_command_exits_1()
    {
        _dir.Write("mountinfo", "25 30 0:23 / /sys rw - sysfs sysfs rw\n");

        var results = NodeDoctor.Run(Options(new FakeKernel(KernelFeature.Openat2, KernelFeature.PidfdOpen)));

        Assert.False(Line(results, "cgroups").Ok);
        Assert.False(Line(results, "kernel openat2").Ok);
        Assert.False(Line(results, "kernel pidfd_open").Ok);
        var output = new StringWriter();
        foreach (var result in results)
        {
            result.WriteTo(output);
        }
        Assert.Contains("FAIL kernel openat2: not implemented by this kernel (ENOSYS)\n     hint: the shim needs Linux 5.6 or newer", output.ToString());
    }

    [Fact]
    public void Cgroup_v1_hybrid_is_described_with_its_controllers()
    {
        Assert.Equal("v1 hybrid (memory,cpu,cpuacct)", CgroupMode.Describe(V1MountInfo));
        Assert.Equal("v2 (unified)", CgroupMode.Describe(V2MountInfo));
        Assert.Null(CgroupMode.Describe(""));
    }

    [Fact]
    public void This_kernel_has_openat2_and_pidfd_open()
    {
        // The CI machine runs Linux 6.x: both probes must succeed for real.
        var kernel = new KernelProbe();

        Assert.Equal((true, "available"), kernel.Probe(KernelFeature.Openat2));
        Assert.Equal((true, "available"), kernel.Probe(KernelFeature.PidfdOpen));
    }

    [Theory]
    [InlineData("containerd github.com/containerd/containerd v1.7.13 7c3aca7", 1, 7, 13)]
    [InlineData("containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3", 1, 6, 20)]
    [InlineData("containerd containerd.io 2.1.4 75cb2b7", 2, 1, 4)]
    public void Containerd_version_is_read_from_upstream_and_distro_output(string output, int major, int minor, int build)
    {
        Assert.Equal(new Version(major, minor, build), ContainerdVersion.Parse(output));
    }

    [Fact]
    public void Doctor_command_exits_non_zero_when_a_check_fails()
    {
        // Points at a config that does not exist, so the handler check fails whatever this host has.
        var args = new[] { "--containerd-config", _dir.Combine("nowhere.toml") };

        Assert.Equal(1, Commands.NodeCommands.CreateDoctor().Parse(args).Invoke());
    }
}
