namespace Wasmcell.Testing;

/// <summary>One `ctr run` of a directory rootfs (`--rootfs`), with the options the tests vary.</summary>
public sealed record RunRequest(string Id, string Runtime, string Rootfs, IReadOnlyList<string> Args)
{
    /// <summary>--rm (foreground) when true, -d when <see cref="Detach"/>; neither for a kept container.</summary>
    public bool Remove { get; init; } = true;

    public bool Detach { get; init; }

    public bool ReadOnly { get; init; }

    public bool Tty { get; init; }

    public string? Cwd { get; init; }

    /// <summary>stdout and stderr go to this file (`--log-uri file://`) instead of ctr's FIFOs.</summary>
    public string? LogFile { get; init; }

    public IReadOnlyList<string> Env { get; init; } = [];

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>Further `ctr run` options, e.g. limits: <c>--memory-limit N</c>, <c>--cpu-quota N</c>.</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>Group the container with another (CRI's pod annotation; SPEC §2.3, §2.6).</summary>
    public RunRequest InGroup(string sandboxId) =>
        this with { Annotations = new Dictionary<string, string>(Annotations) { ["io.kubernetes.cri.sandbox-id"] = sandboxId } };
}
