namespace Wasmcell.Testing;

/// <summary>What differs between the users of <see cref="PrivateContainerd"/>; the defaults are the integration tests'.</summary>
public sealed record PrivateContainerdOptions
{
    /// <summary>The directory is /tmp/&lt;prefix&gt;-XXXXXX, the cgroup parent /&lt;prefix&gt;-XXXXXX: short, for sun_path.</summary>
    public string Prefix { get; init; } = "wct";

    public string Namespace { get; init; } = PrivateContainerd.TestNamespace;

    /// <summary>Copy the published shim into DIR/opt/bin at start (else on the first wasm run, see <see cref="PrivateContainerd.RequireShim"/>).</summary>
    public bool InstallShim { get; init; }

    /// <summary>WASMCELL_PRECOMPILE_DIR=DIR/precompiled in containerd's environment, which the shim and its cells inherit.</summary>
    public bool PrivatePrecompileCache { get; init; }

    /// <summary>More of containerd's environment, which the shim and its cells inherit (e.g. WASMCELL_SHARED_LINGER).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>containerd's config.toml for this instance, instead of the default one (CRI disabled).</summary>
    public Func<PrivateContainerd, string>? ConfigToml { get; init; }

    /// <summary>Runs after the folders are made and before containerd starts (CNI config, host network setup).</summary>
    public Func<PrivateContainerd, Task>? BeforeStart { get; init; }
}
