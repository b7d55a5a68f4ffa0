using System.Text.Json;

namespace Wasmcell.IntegrationTests.Infrastructure;

/// <summary>
/// A config.json given whole with `ctr run --config`: ctr 1.6 has no flags for a user, rlimits, a seccomp
/// profile or annotations. Tests start from <see cref="Minimal"/> and add what they vary.
/// </summary>
internal static class SpecFile
{
    public static Dictionary<string, object> Minimal(string rootfs, string[] args, IEnumerable<string>? env = null) => new()
    {
        ["ociVersion"] = "1.0.2",
        ["process"] = new Dictionary<string, object> { ["args"] = args, ["cwd"] = "/", ["env"] = (env ?? ["PATH=/bin"]).ToArray() },
        ["root"] = new Dictionary<string, object> { ["path"] = rootfs },
        ["linux"] = new Dictionary<string, object> { ["namespaces"] = new[] { new Dictionary<string, string> { ["type"] = "mount" } } },
    };

    public static Dictionary<string, object> Process(Dictionary<string, object> spec) => (Dictionary<string, object>)spec["process"];

    public static Dictionary<string, object> Linux(Dictionary<string, object> spec) => (Dictionary<string, object>)spec["linux"];

    /// <summary>Writes the spec into the private containerd's folder; returns its path for --config.</summary>
    public static string Write(PrivateContainerd containerd, string id, Dictionary<string, object> spec)
    {
        var path = Path.Combine(containerd.Dir, $"{id}.spec.json");
        File.WriteAllText(path, JsonSerializer.Serialize(spec));
        return path;
    }

    /// <summary>`ctr run --config` of a spec written by <see cref="Write"/>: --rm, or --detach.</summary>
    public static Task<CommandResult> RunAsync(PrivateContainerd containerd, string id, string specPath, bool detach = false, string runtime = Runtimes.Wasm)
    {
        containerd.RequireShim();
        return containerd.Ctr.RunAsync(["run", detach ? "--detach" : "--rm", "--runtime", runtime, "--fifo-dir", containerd.FifoDir,
            "--cgroup", containerd.CgroupOf(id), "--config", specPath, id]);
    }
}
