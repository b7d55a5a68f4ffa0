using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// `ctr run --rm` of a container whose entrypoint is a .wasm file: output, exit code, args/env/cwd from
/// config.json, the rootfs as `/` (read-only when the spec says so). Each scenario also runs through runc
/// with the equivalent busybox program, which proves the harness.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimRunTests(PrivateContainerd containerd)
{
    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Prints_stdout_and_exits_zero(Flavor flavor)
    {
        var id = containerd.NewId("run-hello");
        var r = await containerd.RunAsync(containerd.Request(flavor, id, new Programs(flavor).Hello));

        Assert.True(r.ExitCode == 0, r.Describe());
        Assert.Equal("hello from wasm\n", r.Stdout);
        Assert.Empty(await LeakCheck.LeftoversAsync(containerd, [id]));
    }

    [Theory]
    [InlineData(Flavor.Wasm, 3)]
    [InlineData(Flavor.Wasm, 42)]
    [InlineData(Flavor.Runc, 3)]
    [InlineData(Flavor.Runc, 42)]
    public async Task Exit_code_and_both_streams_reach_ctr(Flavor flavor, int code)
    {
        var id = containerd.NewId("run-exit");
        var r = await containerd.RunAsync(containerd.Request(flavor, id, new Programs(flavor).ExitCode(code)));

        Assert.True(r.ExitCode == code, $"expected exit {code}: " + r.Describe());
        Assert.Contains($"exitcode: exiting with {code}\n", r.Stdout, StringComparison.Ordinal);
        Assert.Contains($"exitcode: stderr line, code {code}\n", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("stderr line", r.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Args_env_and_cwd_come_from_config_json_and_rootfs_is_slash(Flavor flavor)
    {
        var id = containerd.NewId("run-args");
        var request = containerd.Request(flavor, id, new Programs(flavor).ArgsEnvCwd("first", "two words", "--flag=x")) with
        {
            Env = ["GREETING=hi there", $"SHOW_FILE={Rootfs.GreetingPath}"],
            Cwd = "/sub",
        };
        var r = await containerd.RunAsync(request);

        Assert.True(r.ExitCode == 0, r.Describe());
        var lines = r.Stdout.Split('\n');
        Assert.Matches(@"^arg\[0\]=.*args-env-cwd\.(wasm|sh)$", lines[0]);
        Assert.Contains("arg[1]=first", lines);
        Assert.Contains("arg[2]=two words", lines);
        Assert.Contains("arg[3]=--flag=x", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("arg[4]", StringComparison.Ordinal));
        Assert.Contains("env:GREETING=hi there", lines);
        // Exactly config.json's env reaches the guest (ctr adds no PATH for --rootfs runs; busybox sh would).
        Assert.Contains($"env:SHOW_FILE={Rootfs.GreetingPath}", lines);
        if (flavor == Flavor.Wasm)
        {
            Assert.Equal(2, lines.Count(l => l.StartsWith("env:", StringComparison.Ordinal)));
        }
        // An absolute path resolves against the rootfs preopened as "/", whatever the cwd is.
        Assert.Contains($"file={Rootfs.Greeting}", lines);
        if (flavor == Flavor.Runc)
        {
            // WASI preview1 has no cwd: wasi-libc's getcwd() starts at "/" whatever the host does, so only the
            // native twin can show process.cwd this way.
            Assert.Contains("cwd=/sub", lines);
        }
    }

    [Fact]
    public async Task Wasm_relative_entrypoint_resolves_against_the_rootfs()
    {
        // As in the seed images: Entrypoint ["hello.wasm"], cwd "/".
        var id = containerd.NewId("run-relative");
        var r = await containerd.RunAsync(containerd.Request(Flavor.Wasm, id, ["hello.wasm"]) with { Cwd = "/" });

        Assert.True(r.ExitCode == 0, r.Describe());
        Assert.Equal("hello from wasm\n", r.Stdout);
    }

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Image_with_a_relative_entrypoint_runs_from_its_snapshot(Flavor flavor)
    {
        // A real image (overlayfs snapshot, rootfs handed to the shim as mounts), with a relative
        // entrypoint as in the seed images: Entrypoint ["hello.wasm"], no cwd.
        var id = containerd.NewId("run-image");
        var image = $"localhost/wct/{id}:1";
        var archive = Path.Combine(containerd.Dir, $"{id}.oci.tar");
        if (flavor == Flavor.Wasm)
        {
            OciArchive.Write(archive, image, new Dictionary<string, string> { ["hello.wasm"] = TestWasm.PathOf("hello.wasm") }, ["hello.wasm"]);
        }
        else
        {
            var busybox = Path.Combine(containerd.BusyboxRootfs, "bin", "busybox");
            OciArchive.Write(archive, image, new Dictionary<string, string> { ["bin/sh"] = busybox, ["bin/sleep"] = busybox }, new Programs(flavor).Hello);
        }
        var import = await containerd.Ctr.RunAsync("images", "import", archive);
        Assert.True(import.ExitCode == 0, import.Describe());
        try
        {
            if (flavor == Flavor.Wasm)
            {
                containerd.RequireShim();
            }

            var r = await containerd.Ctr.RunAsync(
                "run", "--rm", "--runtime", Runtimes.Of(flavor), "--fifo-dir", containerd.FifoDir, "--cgroup", containerd.CgroupOf(id),
                "--runc-root", containerd.RuncRoot, image, id);

            Assert.True(r.ExitCode == 0 && r.Stdout == "hello from wasm\n", r.Describe());
            var left = await LeakCheck.LeftoversAsync(containerd, [id]);
            Assert.True(left.Count == 0, LeakCheck.Describe(left));
        }
        finally
        {
            await containerd.ForgetAsync(id);
            await containerd.Ctr.RunAsync("images", "rm", image);
        }
    }

    [Theory]
    [InlineData(Flavor.Wasm, false)]
    [InlineData(Flavor.Wasm, true)]
    [InlineData(Flavor.Runc, false)]
    [InlineData(Flavor.Runc, true)]
    public async Task Rootfs_is_writable_unless_the_spec_says_read_only(Flavor flavor, bool readOnly)
    {
        var id = containerd.NewId(readOnly ? "run-ro" : "run-rw");
        var rootfs = containerd.FreshRootfs(flavor, id);
        var request = containerd.Request(flavor, id, new Programs(flavor).WriteRoot("/written.txt")) with
        {
            Rootfs = rootfs,
            ReadOnly = readOnly,
        };
        var r = await containerd.RunAsync(request);

        Assert.True(r.ExitCode == 0, r.Describe());
        var written = File.Exists(Path.Combine(rootfs, "written.txt"));
        if (readOnly)
        {
            Assert.Contains("write-root: errno=", r.Stdout, StringComparison.Ordinal);
            Assert.False(written, "a read-only rootfs was written to");
        }
        else
        {
            Assert.Contains("write-root: ok", r.Stdout, StringComparison.Ordinal);
            Assert.True(written, "the guest said it wrote /written.txt but the rootfs has no such file");
        }
    }
}
