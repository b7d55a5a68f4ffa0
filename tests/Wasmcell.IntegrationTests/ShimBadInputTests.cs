using System.Text.Json;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// Bad input fails at create (ctr exits non-zero before anything runs) with a message that names the
/// file and says why; the shim stays healthy for the other containers of its group.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimBadInputTests(PrivateContainerd containerd)
{
    [Theory]
    [InlineData("/hello-truncated.wasm", "truncat|unexpected end|end of|incomplete|invalid|malformed|failed to (parse|compile)")]
    [InlineData("/notes.txt", "not a wasm|not a (web)?assembly|neither|no wasm|magic|unknown format|not an elf|not executable|exec format")]
    [InlineData("/missing.wasm", "not found|no such file|does not exist|missing")]
    [InlineData("/unknown-abi.wasm", "does not provide: env.___syscall999")]
    public async Task Wasm_bad_entrypoint_fails_at_create_naming_the_file(string entrypoint, string reasonPattern)
    {
        var id = containerd.NewId("bad");
        var r = await containerd.RunAsync(containerd.Request(Flavor.Wasm, id, [entrypoint]));

        AssertFailedAtCreate(r, Path.GetFileName(entrypoint), reasonPattern);
        var left = await LeakCheck.LeftoversAsync(containerd, [id]);
        Assert.True(left.Count == 0, LeakCheck.Describe(left));
    }

    [Theory]
    [InlineData("/library-exports.wasm", "no '_start' function")]
    [InlineData("/library-exports.wasm#nope", "no exported function 'nope'")]
    public async Task Wasm_entry_function_missing_fails_at_create_listing_the_exports(string entrypoint, string reason)
    {
        var id = containerd.NewId("bad-entry");
        var r = await containerd.RunAsync(containerd.Request(Flavor.Wasm, id, [entrypoint]));

        AssertFailedAtCreate(r, "library-exports.wasm", reason);
        Assert.Contains("greet, other", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("library-exports.wasm#FUNCTION", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", r.Stderr, StringComparison.Ordinal);
        var left = await LeakCheck.LeftoversAsync(containerd, [id]);
        Assert.True(left.Count == 0, LeakCheck.Describe(left));
    }

    [Fact]
    public async Task Wasm_entry_function_named_with_a_hash_runs()
    {
        // The proof that the module above is fine with the right entrypoint.
        var id = containerd.NewId("hash-entry");
        var r = await containerd.RunAsync(containerd.Request(Flavor.Wasm, id, ["/library-exports.wasm#greet"]));

        Assert.True(r.ExitCode == 0 && r.Stdout == "greet was called\n", r.Describe());
    }

    [Theory]
    [InlineData(Flavor.Runc)]
    public async Task Runc_missing_entrypoint_fails_at_create_naming_the_file(Flavor flavor)
    {
        // The harness's proof for the assertion above: runc's own message for the same mistake.
        var id = containerd.NewId("bad-runc");
        var r = await containerd.RunAsync(containerd.Request(flavor, id, ["/missing-binary"]));

        AssertFailedAtCreate(r, "missing-binary", "no such file");
    }

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Broken_config_json_fails_at_create_with_a_clear_message(Flavor flavor)
    {
        // ctr only passes on specs it can parse, so "broken" means structurally wrong: no `process` at all.
        var id = containerd.NewId("bad-config");
        var spec = Path.Combine(containerd.Dir, $"{id}.json");
        await File.WriteAllTextAsync(spec, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["ociVersion"] = "1.0.2",
            ["root"] = new Dictionary<string, object> { ["path"] = containerd.RootfsFor(flavor) },
            ["linux"] = new Dictionary<string, object> { ["cgroupsPath"] = containerd.CgroupOf(id) },
        }));
        if (flavor == Flavor.Wasm)
        {
            containerd.RequireShim();
        }

        var r = await containerd.Ctr.RunAsync(
            "run", "--rm", "--runtime", Runtimes.Of(flavor), "--fifo-dir", containerd.FifoDir, "--runc-root", containerd.RuncRoot,
            "--config", spec, id);

        Assert.False(r.TimedOut, r.Describe());
        Assert.True(r.ExitCode != 0, "a spec without `process` was accepted: " + r.Describe());
        Assert.Matches("(?i)process", r.Stderr);
        var left = await LeakCheck.LeftoversAsync(containerd, [id]);
        Assert.True(left.Count == 0, LeakCheck.Describe(left));
    }

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Bad_container_does_not_disturb_its_group(Flavor flavor)
    {
        var anchor = containerd.NewId("bad-anchor");
        var bad = containerd.NewId("bad-member");
        var good = containerd.NewId("good-member");
        var programs = new Programs(flavor);
        try
        {
            var a = await containerd.RunAsync(containerd.Request(flavor, anchor, programs.Sleep).InGroup(anchor) with { Detach = true });
            Assert.True(a.ExitCode == 0, a.Describe());
            var anchorTask = await containerd.Ctr.WaitForStatusAsync(anchor, "RUNNING", TimeSpan.FromSeconds(10));
            Assert.Equal("RUNNING", anchorTask?.Status);
            var shims = HostProcesses.ListenersOn(containerd.ShimSocketOf(anchor));
            Assert.True(shims.Count == 1, $"expected one shim on the group socket, found {shims.Count}");

            var b = await containerd.RunAsync(containerd.Request(flavor, bad, ["/missing.wasm"]).InGroup(anchor));
            Assert.True(b.ExitCode != 0, "a missing entrypoint was accepted: " + b.Describe());

            Assert.Equal(anchorTask, await containerd.Ctr.TaskAsync(anchor)); // same pid, still RUNNING
            Assert.Equal(shims, HostProcesses.ListenersOn(containerd.ShimSocketOf(anchor)));
            var g = await containerd.RunAsync(containerd.Request(flavor, good, programs.Hello).InGroup(anchor));
            Assert.True(g.ExitCode == 0, "the group's shim no longer runs containers: " + g.Describe());
            Assert.Equal("hello from wasm\n", g.Stdout);
        }
        finally
        {
            await containerd.ForgetAsync(anchor);
        }
        var left = await LeakCheck.LeftoversAsync(containerd, [anchor, bad, good]);
        Assert.True(left.Count == 0, LeakCheck.Describe(left));
    }

    private static void AssertFailedAtCreate(CommandResult r, string fileName, string reasonPattern)
    {
        Assert.False(r.TimedOut, r.Describe());
        Assert.True(r.ExitCode != 0, "bad input was accepted: " + r.Describe());
        // ctr reports a failed Create as "failed to create shim task: ..."; a failed Start would say "failed to start".
        Assert.Contains("create", r.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(fileName, r.Stderr, StringComparison.Ordinal);
        Assert.Matches("(?i)" + reasonPattern, r.Stderr);
        Assert.Empty(r.Stdout);
    }
}
