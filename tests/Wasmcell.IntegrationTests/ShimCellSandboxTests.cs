using System.Text.RegularExpressions;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// The cell's sandbox, set up by its native pre-main before the .NET runtime starts (issue 11): every thread
/// unprivileged from birth, its own pid and mount namespaces, a root holding only what the cell needs, a user
/// namespace when the spec maps ids, and a precompile cache only the daemon writes. Checked from the host on real
/// cells of our private containerd.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed partial class ShimCellSandboxTests(PrivateContainerd containerd)
{
    [Fact]
    public async Task Every_thread_of_a_cell_listening_on_port_80_has_no_capabilities_no_new_privs_and_seccomp()
    {
        var id = containerd.NewId("sbx-threads");
        var spec = Spec(id, ["/sleep.wasm"], ["PATH=/bin", "WASMCELL_LISTEN=0.0.0.0:80"], "mount", "network");
        var pid = await StartAsync(id, spec);
        try
        {
            // The listener makes .NET start its sockets thread before the guest runs; a drop done from Main
            // never reached it (CapEff 000001ffffffffff there before this sandbox).
            await Eventually.TrueAsync(() => ThreadNames(pid).Contains(".NET Sockets"), "the cell's .NET Sockets thread");
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                var status = await File.ReadAllTextAsync(Path.Combine(task, "status"));
                var name = (await File.ReadAllTextAsync(Path.Combine(task, "comm"))).Trim();
                foreach (var field in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" })
                {
                    Assert.True(Regex.IsMatch(status, $@"{field}:\s+0000000000000000\n"), $"thread {name}: {field} not empty\n{status}");
                }
                Assert.True(Regex.IsMatch(status, @"NoNewPrivs:\s+1\n"), $"thread {name}: no_new_privs not set");
                Assert.True(Regex.IsMatch(status, @"Seccomp:\s+2\n"), $"thread {name}: no seccomp filter");
            }
            // Port 80 without CAP_NET_BIND_SERVICE: the cell's own network namespace allows it, as runc's
            // default capabilities would.
            var listening = await CommandRunner.RunAsync("nsenter", [$"--net=/proc/{pid}/ns/net", "ss", "-ltnH"], TimeSpan.FromSeconds(10));
            Assert.True(listening.ExitCode == 0, listening.Describe());
            Assert.Contains("0.0.0.0:80 ", listening.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
        Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [id]));
    }

    [Fact]
    public async Task The_cell_has_its_own_pid_and_mount_namespaces_and_a_read_only_root_of_only_what_it_needs()
    {
        var id = containerd.NewId("sbx-root");
        // Only a mount namespace asked for (a hostPID-like spec): the cell gets a pid namespace anyway.
        var pid = await StartAsync(id, Spec(id, ["/sleep.wasm"], null, "mount"));
        try
        {
            Assert.NotEqual(NamespaceOf("self", "mnt"), NamespaceOf(pid.ToString(), "mnt"));
            Assert.NotEqual(NamespaceOf("self", "pid"), NamespaceOf(pid.ToString(), "pid"));
            Assert.Matches(@"NSpid:\s+\d+\s+1\n", await File.ReadAllTextAsync($"/proc/{pid}/status"));

            var mounts = Mounts(pid);
            var bundle = Path.Combine(containerd.BundlesDir, id);
            var shimDir = Path.Combine(containerd.Dir, "opt", "bin");
            var cellBinary = Path.Combine(shimDir, ShimBinary.CellFileName);
            var rootfs = Path.Combine(containerd.Dir, "rootfs", id);
            var readOnly = new[] { "/", cellBinary, Path.Combine(shimDir, "libwasmtime.so"), Path.Combine(bundle, "config.json"), "/proc/sys" };
            var writable = new[] { rootfs, "/dev/null", "/dev/zero", "/dev/random", "/dev/urandom", "/proc" };
            foreach (var point in readOnly)
            {
                Assert.True(mounts.TryGetValue(point, out var options), $"{point} is not mounted in the cell:\n{Describe(mounts)}");
                Assert.True(options.Split(',').Contains("ro"), $"{point} is not read-only in the cell: {options}");
            }
            foreach (var point in writable)
            {
                Assert.True(mounts.ContainsKey(point), $"{point} is not mounted in the cell:\n{Describe(mounts)}");
            }
            // The precompile cache is the private containerd's or the default one, and only ever read-only.
            string[] caches = [containerd.PrecompileDir, "/var/lib/wasmcell/precompiled"];
            // OpenSSL, which .NET opens by name when the cell hashes (a cache miss), read-only at its host path.
            var openSsl = mounts.Keys.Where(m => Path.GetFileName(m).StartsWith("libssl.so.", StringComparison.Ordinal)
                || Path.GetFileName(m).StartsWith("libcrypto.so.", StringComparison.Ordinal)).ToList();
            Assert.All(openSsl, m => Assert.Contains("ro", mounts[m].Split(',')));
            var allowed = readOnly.Concat(writable).Concat(caches).Concat(openSsl).ToHashSet(StringComparer.Ordinal);
            var unexpected = mounts.Keys.Where(m => !allowed.Contains(m) && !m.StartsWith("/proc/", StringComparison.Ordinal)).ToList();
            Assert.True(unexpected.Count == 0, $"the cell's root holds more than it needs: {string.Join(", ", unexpected)}");
            foreach (var cache in caches.Where(mounts.ContainsKey))
            {
                Assert.True(mounts[cache].Split(',').Contains("ro"), $"the precompile cache is writable in the cell: {mounts[cache]}");
            }

            // Through the cell's root, the host's files are not there at all, nor the rest of its own bundle.
            var root = $"/proc/{pid}/root";
            foreach (var hostPath in new[] { "/etc/passwd", "/bin/sh", containerd.Address, Path.Combine(bundle, "init.pid") })
            {
                Assert.False(File.Exists(root + hostPath), $"{hostPath} is visible in the cell's root");
            }
            Assert.False(Directory.Exists(root + "/sys"), "/sys is visible in the cell's root");
            Assert.False(Directory.Exists(root + "/etc"), "/etc is visible in the cell's root");
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }
        Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [id]));
    }

    [Fact]
    public async Task A_spec_with_uid_and_gid_mappings_runs_the_cell_in_a_user_namespace_of_its_own()
    {
        var id = containerd.NewId("sbx-userns");
        var spec = Spec(id, ["/sleep.wasm"], null, "mount", "pid", "user");
        var linux = SpecFile.Linux(spec);
        linux["uidMappings"] = new[] { new Dictionary<string, uint> { ["containerID"] = 0, ["hostID"] = 200000, ["size"] = 65536 } };
        linux["gidMappings"] = new[] { new Dictionary<string, uint> { ["containerID"] = 0, ["hostID"] = 200000, ["size"] = 65536 } };
        var pid = await StartAsync(id, spec);
        try
        {
            Assert.NotEqual(NamespaceOf("self", "user"), NamespaceOf(pid.ToString(), "user"));
            Assert.Matches(@"^\s*0\s+200000\s+65536\s*$", await File.ReadAllTextAsync($"/proc/{pid}/uid_map"));
            var status = await File.ReadAllTextAsync($"/proc/{pid}/status");
            // Root of its namespace, an unprivileged uid on the host.
            Assert.Matches(@"Uid:\s+200000\s+200000\s+200000\s+200000", status);
            Assert.Matches(@"CapEff:\s+0000000000000000", status);
            var killed = await containerd.Ctr.RunAsync("task", "kill", id);
            Assert.True(killed.ExitCode == 0, killed.Describe());
            var stopped = await containerd.Ctr.WaitForStatusAsync(id, "STOPPED", TimeSpan.FromSeconds(10));
            Assert.NotNull(stopped);
        }
        finally
        {
            await containerd.ForgetAsync(id);
        }

        // The guest runs there as it does anywhere: the rootfs is readable by the mapped root.
        var hello = containerd.NewId("sbx-userns-hello");
        var helloSpec = Spec(hello, ["/hello.wasm"], null, "mount", "pid", "user");
        SpecFile.Linux(helloSpec)["uidMappings"] = linux["uidMappings"];
        SpecFile.Linux(helloSpec)["gidMappings"] = linux["gidMappings"];
        var run = await SpecFile.RunAsync(containerd, hello, SpecFile.Write(containerd, hello, helloSpec));
        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Contains("hello", run.Stdout, StringComparison.Ordinal);
        Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [id, hello]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)] // the cache belongs to root: a cell of another uid must still read what was compiled for it
    public async Task A_cache_miss_is_compiled_into_the_cache_by_the_daemon_and_the_next_cell_starts_from_it(int uid)
    {
        // A module no cache has seen: hello.wasm with a custom section of its own.
        var first = containerd.NewId("sbx-cache");
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, first);
        File.WriteAllBytes(Path.Combine(rootfs, "unique.wasm"), PrecompileKeys.UniqueModule(File.ReadAllBytes(Path.Combine(rootfs, "hello.wasm"))));
        var offset = containerd.LogLength;
        var before = DateTime.UtcNow.AddSeconds(-1);
        var run = await SpecFile.RunAsync(containerd, first, SpecFile.Write(containerd, first, AsUser(SpecFile.Minimal(rootfs, ["/unique.wasm"]), uid)));
        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Matches($@"{first}: cell \d+ ready in [^\n]*; cache miss", containerd.LogSince(offset));
        // The daemon's compile outlives the container (the daemon waits for it before it exits), and its log
        // line may come after containerd stopped reading the shim's log: watch the cache itself.
        await Eventually.TrueAsync(() => PrecompileKeys.WrittenSince(containerd, before) > 0, "a cache entry written by the daemon's precompile", TimeSpan.FromSeconds(60));

        var second = containerd.NewId("sbx-cache");
        offset = containerd.LogLength;
        run = await SpecFile.RunAsync(containerd, second, SpecFile.Write(containerd, second, AsUser(SpecFile.Minimal(rootfs, ["/unique.wasm"]), uid)));
        Assert.True(run.ExitCode == 0, run.Describe());
        var log = containerd.LogSince(offset);
        Assert.Matches($@"{second}: cell \d+ ready in ", log);
        Assert.Matches($@"{second}: cell \d+ ready in [^\n]*; cache hit [0-9a-f-]+;", log);
        Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [first, second]));
    }

    private static Dictionary<string, object> AsUser(Dictionary<string, object> spec, int uid)
    {
        SpecFile.Process(spec)["user"] = new Dictionary<string, object> { ["uid"] = uid, ["gid"] = uid };
        return spec;
    }

    private Dictionary<string, object> Spec(string id, string[] args, IEnumerable<string>? env, params string[] namespaces)
    {
        var spec = SpecFile.Minimal(containerd.FreshRootfs(Flavor.Wasm, id), args, env);
        SpecFile.Linux(spec)["namespaces"] = namespaces.Select(n => new Dictionary<string, string> { ["type"] = n }).ToArray();
        return spec;
    }

    private async Task<int> StartAsync(string id, Dictionary<string, object> spec)
    {
        var started = await SpecFile.RunAsync(containerd, id, SpecFile.Write(containerd, id, spec), detach: true);
        Assert.True(started.ExitCode == 0, started.Describe());
        var task = await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(10));
        Assert.NotNull(task);
        return task.Pid;
    }

    private static string NamespaceOf(string pid, string ns) => new FileInfo($"/proc/{pid}/ns/{ns}").LinkTarget!;

    private static HashSet<string> ThreadNames(int pid) =>
        Directory.EnumerateDirectories($"/proc/{pid}/task").Select(t => File.ReadAllText(Path.Combine(t, "comm")).Trim()).ToHashSet();

    /// <summary>The cell's mount points (as it sees them) with their per-mount options.</summary>
    private static Dictionary<string, string> Mounts(int pid) =>
        File.ReadAllLines($"/proc/{pid}/mountinfo").Select(l => l.Split(' ')).ToDictionary(f => Unescape(f[4]), f => f[5]);

    private static string Unescape(string path) => OctalEscape().Replace(path, m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());

    private static string Describe(Dictionary<string, string> mounts) => string.Join('\n', mounts.Select(m => $"{m.Key} {m.Value}"));

    /// <summary>The module with a custom section holding a fresh GUID appended: same code, a digest of its own.</summary>
    [GeneratedRegex(@"\\([0-7]{3})")]
    private static partial Regex OctalEscape();
}
