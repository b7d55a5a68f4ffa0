using Wasmcell.Cell.Protocol;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cell.Tests;

/// <summary>What the daemon asks the cell's pre-main (cell_sandbox.c) to do for a given config.json.</summary>
public sealed class CellSandboxPlanTests
{
    private static readonly CellSandboxPlan.CellFiles Files = new("/opt/shim/containerd-shim-wasm-v1-cell", "/opt/shim/libwasmtime.so", null);
    private static readonly CellLaunch Launch = new("/run/c/b1", "/run/c/b1/rootfs", "b1", "/app.wasm", null);

    private static string[] Lines(Spec spec, CellLaunch? launch = null, CellSandboxPlan.CellFiles? files = null) =>
        CellSandboxPlan.ForCell(spec, launch ?? Launch, files ?? Files).ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static Spec WithNamespaces(params Namespace[] namespaces) => new() { Linux = new Oci.RuntimeSpec.Linux { Namespaces = [.. namespaces] } };

    [Fact]
    public void A_plan_names_the_cell_binary_it_binds_so_the_daemon_spawns_that_one()
    {
        var component = Files with { Binary = "/opt/shim/containerd-shim-wasm-v1-component" };

        var plan = CellSandboxPlan.ForCell(new Spec(), Launch, component);

        Assert.Equal("/opt/shim/containerd-shim-wasm-v1-component", plan.Binary);
        Assert.Contains("bind\t/opt/shim/containerd-shim-wasm-v1-component\tro", plan.ToString().Split('\n'));
        Assert.Equal(Files.Binary, CellSandboxPlan.ForShared("/run/shared", Files).Binary);
    }

    [Fact]
    public void Ctr_default_namespaces_are_all_new_and_the_hostname_is_set_in_the_new_uts()
    {
        var spec = WithNamespaces(new() { Type = "pid" }, new() { Type = "ipc" }, new() { Type = "uts" }, new() { Type = "mount" }, new() { Type = "network" });
        spec.Hostname = "box";
        var lines = Lines(spec);
        foreach (var type in new[] { "pid", "ipc", "uts", "mount", "network" })
        {
            Assert.Contains($"new\t{type}", lines);
        }
        Assert.Contains("hostname\tbox", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("join", StringComparison.Ordinal));
    }

    [Fact]
    public void A_pods_namespaces_are_joined_and_its_hostname_is_left_to_the_sandbox()
    {
        var spec = WithNamespaces(new() { Type = "network", Path = "/var/run/netns/cni-1" }, new() { Type = "ipc", Path = "/proc/7/ns/ipc" },
            new() { Type = "uts", Path = "/proc/7/ns/uts" }, new() { Type = "mount" }, new() { Type = "pid" });
        spec.Hostname = "pod";
        var lines = Lines(spec);
        Assert.Contains("join\tnetwork\t/var/run/netns/cni-1", lines);
        Assert.Contains("join\tipc\t/proc/7/ns/ipc", lines);
        Assert.Contains("join\tuts\t/proc/7/ns/uts", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("hostname", StringComparison.Ordinal));
        Assert.DoesNotContain("new\tnetwork", lines);
    }

    [Fact]
    public void The_cell_always_gets_new_pid_and_mount_namespaces_unless_it_joins_a_pods_pid_namespace()
    {
        var hostPid = Lines(WithNamespaces(new Namespace { Type = "network" }));
        Assert.Contains("new\tpid", hostPid);
        Assert.Contains("new\tmount", hostPid);

        var sharedPid = Lines(WithNamespaces(new Namespace { Type = "pid", Path = "/proc/7/ns/pid" }));
        Assert.Contains("join\tpid\t/proc/7/ns/pid", sharedPid);
        Assert.DoesNotContain("new\tpid", sharedPid);
    }

    [Fact]
    public void Uid_and_gid_mappings_become_one_user_line()
    {
        var spec = WithNamespaces(new Namespace { Type = "user" });
        spec.Linux!.UidMappings = [new() { ContainerId = 0, HostId = 100000, Size = 65536 }, new() { ContainerId = 65536, HostId = 1000, Size = 1 }];
        spec.Linux.GidMappings = [new() { ContainerId = 0, HostId = 100000, Size = 65536 }];
        Assert.Contains("user\t0 100000 65536,65536 1000 1\t0 100000 65536", Lines(spec));
    }

    [Theory]
    [InlineData("user", "/proc/7/ns/user", "join the user namespace")]
    [InlineData("mount", "/proc/7/ns/mnt", "join the mount namespace")]
    [InlineData("time", null, "time namespace")]
    public void Namespaces_the_cell_cannot_honour_are_refused_by_name(string type, string? path, string message)
    {
        var e = Assert.ThrowsAny<Exception>(() => Lines(WithNamespaces(new Namespace { Type = type, Path = path })));
        Assert.True(e is NotSupportedException, e.ToString());
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_user_namespace_without_mappings_is_refused()
    {
        var e = Assert.Throws<InvalidDataException>(() => Lines(WithNamespaces(new Namespace { Type = "user" })));
        Assert.Contains("uidMappings", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_root_holds_the_rootfs_config_binaries_devices_and_directory_binds_in_path_order()
    {
        var bindSource = Directory.CreateTempSubdirectory("wasmcell-plan-").FullName;
        try
        {
            var spec = new Spec
            {
                Root = new Root { Readonly = true },
                Mounts = [new() { Destination = "/data", Type = "bind", Source = bindSource, Options = ["rbind", "ro"] }, new() { Destination = "/proc", Type = "proc", Source = "proc" }],
            };
            var lines = Lines(spec);
            var binds = lines.Where(l => l.StartsWith("bind\t", StringComparison.Ordinal)).ToList();
            Assert.Equal(binds.Order(StringComparer.Ordinal), binds);
            Assert.Contains("root\t/run/c/b1/cell-root", lines);
            Assert.Contains("bind\t/run/c/b1/rootfs\tro", binds);
            Assert.Contains("bind\t/run/c/b1/config.json\tro", binds);
            Assert.Contains("bind\t/opt/shim/containerd-shim-wasm-v1-cell\tro", binds);
            Assert.Contains("bind\t/opt/shim/libwasmtime.so\tro", binds);
            Assert.Contains($"bind\t{bindSource}\tro", binds);
            Assert.Contains("bind\t/dev/null\trw", binds);
            // The spec's proc mount is not a host path: the cell gets a fresh /proc of its own.
            Assert.DoesNotContain(binds, b => b.StartsWith("bind\tproc", StringComparison.Ordinal));
            Assert.Contains("proc", lines);
            Assert.Contains("readonly\t/proc/sys", lines);
            Assert.Contains("mask\t/proc/kcore", lines);
            Assert.Contains("preload\t/opt/shim/libwasmtime.so", lines);
            Assert.DoesNotContain(lines, l => l.Contains("libssl", StringComparison.Ordinal)); // none given: none bound
        }
        finally
        {
            Directory.Delete(bindSource);
        }
    }

    [Fact]
    public void An_AppArmor_profile_to_apply_is_a_plan_line_and_none_means_none()
    {
        Assert.Contains("apparmor\tcri-containerd.apparmor.d", CellSandboxPlan.ForCell(new Spec(), Launch, Files, appArmorProfile: "cri-containerd.apparmor.d").ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Lines(new Spec()), l => l.StartsWith("apparmor", StringComparison.Ordinal));
    }

    [Fact]
    public void Host_libraries_are_bound_read_only_at_their_paths_not_loaded()
    {
        var lines = Lines(new Spec(), Launch, Files with { Libraries = ["/usr/lib/x86_64-linux-gnu/libssl.so.3"] });
        Assert.Contains("bind\t/usr/lib/x86_64-linux-gnu/libssl.so.3\tro", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("preload\t/usr/lib", StringComparison.Ordinal));
    }

    [Fact]
    public void The_hosts_CA_certificates_are_bound_read_only_only_for_a_cell_that_may_open_sockets()
    {
        var files = Files with { TrustStore = ["/etc/ssl/certs"] };

        Assert.Contains("bind\t/etc/ssl/certs\tro", Lines(WithNamespaces(new Namespace { Type = "network" }), Launch, files));
        Assert.DoesNotContain(Lines(new Spec(), Launch, files), l => l.Contains("/etc/ssl", StringComparison.Ordinal));
        var denied = WithNamespaces(new Namespace { Type = "network" });
        denied.Process = new Process { Env = ["WASMCELL_SOCKETS=deny"] };
        Assert.DoesNotContain(Lines(denied, Launch, files), l => l.Contains("/etc/ssl", StringComparison.Ordinal));
    }

    [Fact]
    public void The_container_s_resolv_conf_and_hosts_are_bound_at_etc_of_the_cell_only_when_it_may_open_sockets()
    {
        var dir = Directory.CreateTempSubdirectory("wasmcell-plan-ns-");
        try
        {
            var (resolv, hosts) = (Path.Join(dir.FullName, "resolv.conf"), Path.Join(dir.FullName, "hosts"));
            File.WriteAllText(resolv, "nameserver 10.96.0.10\n");
            File.WriteAllText(hosts, "127.0.0.1 localhost\n");
            Mount FileMount(string destination, string source) => new() { Destination = destination, Source = source, Type = "bind", Options = ["rbind", "ro"] };
            var spec = WithNamespaces(new Namespace { Type = "network", Path = "/var/run/netns/pod" });
            // As CRI writes them; a missing source and any other file mount are not name-service files.
            spec.Mounts = [FileMount("/etc/resolv.conf", resolv), FileMount("/etc/hosts", hosts), FileMount("/etc/hostname", hosts), FileMount("/etc/missing", "/nonexistent")];

            var lines = Lines(spec);
            Assert.Contains($"bind\t{resolv}\tro\t/etc/resolv.conf", lines);
            Assert.Contains($"bind\t{hosts}\tro\t/etc/hosts", lines);
            Assert.DoesNotContain(lines, l => l.EndsWith("/etc/hostname", StringComparison.Ordinal));

            spec.Linux!.Namespaces = [];
            Assert.DoesNotContain(Lines(spec), l => l.EndsWith("/etc/resolv.conf", StringComparison.Ordinal) || l.EndsWith("/etc/hosts", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Only_the_devices_the_rules_allow_are_bound_but_urandom_always_is()
    {
        var lines = CellSandboxPlan.ForCell(new Spec(), Launch, Files, d => d.Path == "/dev/null").ToString();
        Assert.Contains("bind\t/dev/null\trw", lines, StringComparison.Ordinal);
        Assert.Contains("bind\t/dev/urandom\trw", lines, StringComparison.Ordinal);
        Assert.DoesNotContain("/dev/zero", lines, StringComparison.Ordinal);
        Assert.DoesNotContain("/dev/random\t", lines, StringComparison.Ordinal);
    }

    [Fact]
    public void The_spec_user_rlimits_and_memory_cgroup_reach_the_plan()
    {
        var spec = new Spec
        {
            Process = new Process
            {
                User = new User { Uid = 1000, Gid = 1001, AdditionalGids = [5, 6] },
                Rlimits = [new() { Type = "RLIMIT_NOFILE", Soft = 256, Hard = 512 }],
            },
        };
        var lines = Lines(spec, Launch with { MemoryTasks = "/sys/fs/cgroup/memory/x/tasks" });
        Assert.Contains("ids\t1000\t1001\t5\t6", lines);
        Assert.Contains("rlimit\t7\t256\t512", lines);
        Assert.Contains($"keep\t{CellLaunch.MemoryTasksFd}\t/sys/fs/cgroup/memory/x/tasks", lines);
    }

    [Fact]
    public void An_unknown_rlimit_is_refused_by_name()
    {
        var spec = new Spec { Process = new Process { Rlimits = [new() { Type = "RLIMIT_BOGUS", Soft = 1, Hard = 1 }] } };
        var e = Assert.Throws<InvalidDataException>(() => Lines(spec));
        Assert.Contains("RLIMIT_BOGUS", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/run/c/b\t1")]
    [InlineData("/run/c/b\n1")]
    public void A_path_that_would_break_the_plans_lines_is_refused(string bundle)
    {
        Assert.Throws<InvalidDataException>(() => Lines(new Spec(), Launch with { Bundle = bundle }));
    }

    [Fact]
    public void A_bind_of_the_hosts_root_is_refused()
    {
        var spec = new Spec { Mounts = [new() { Destination = "/host", Type = "bind", Source = "/", Options = ["rbind"] }] };
        Assert.Throws<NotSupportedException>(() => Lines(spec));
    }

    [Theory]
    [InlineData("precompile", "rw")] // a compile for the daemon: the only writer of the cache
    [InlineData("shared", "ro")] // a shared cell: containers reach it as fds (SharedCellMessage)
    public void An_isolated_sandbox_has_every_namespace_new_the_cache_as_it_needs_and_no_container_file(string kind, string cacheMode)
    {
        var cache = Directory.CreateTempSubdirectory("wasmcell-cache-").FullName;
        try
        {
            var root = $"/run/wasmcell/{kind}-root";
            var files = Files with { PrecompileCache = cache };
            var plan = kind == "shared" ? CellSandboxPlan.ForShared(root, files) : CellSandboxPlan.ForPrecompile(root, files);
            var lines = plan.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var type in new[] { "network", "ipc", "uts", "pid", "mount" })
            {
                Assert.Contains($"new\t{type}", lines);
            }
            Assert.Contains($"root\t{root}", lines);
            Assert.Contains($"bind\t{cache}\t{cacheMode}", lines);
            Assert.DoesNotContain(lines, l => l.StartsWith("bind\t/run/c", StringComparison.Ordinal));
            Assert.Contains("ids\t0\t0", lines);
        }
        finally
        {
            Directory.Delete(cache);
        }
    }
}
