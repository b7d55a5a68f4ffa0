namespace Wasmcell.Oci.Tests.EndToEnd;

/// <summary>What the end-to-end tests do with a <see cref="PrivateContainerd"/>: pull from the plain-HTTP registry, run an image through the shim.</summary>
internal static class ImageRuns
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary><c>ctr images pull --plain-http REFERENCE</c>; throws when the pull fails.</summary>
    public static void PullPlainHttp(this PrivateContainerd containerd, string reference)
    {
        var pull = containerd.Ctr.RunAsync(["images", "pull", "--plain-http", reference], Timeout).GetAwaiter().GetResult();
        if (pull.ExitCode != 0)
        {
            throw new InvalidOperationException($"ctr images pull --plain-http {reference} failed: {pull}");
        }
    }

    /// <summary><c>ctr run --rm --runtime io.containerd.wasm.v1 IMAGE ID [ARGS]</c>, with the private FIFO dir and cgroup.</summary>
    public static CommandResult RunWasm(this PrivateContainerd containerd, string image, string id, params string[] args) =>
        containerd.Ctr.RunAsync(
            ["run", "--rm", "--runtime", Runtimes.Wasm, "--fifo-dir", containerd.FifoDir, "--cgroup", containerd.CgroupOf(id), image, id, .. args],
            Timeout).GetAwaiter().GetResult();
}
