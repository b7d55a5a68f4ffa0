namespace Wasmcell.Cgroups;

/// <summary>
/// A validated cgroupfs-driver <c>linux.cgroupsPath</c> ("/wct/abc", "/k8s.io/&lt;id&gt;"), split into its
/// components. The path always lands below the hierarchy root: ".." and the root itself are refused.
/// </summary>
public sealed class CgroupPath
{
    private CgroupPath(string original, string[] components)
    {
        Original = original;
        Components = components;
    }

    /// <summary>The path as the spec gave it.</summary>
    public string Original { get; }

    /// <summary>Non-empty components from the top level down to the leaf.</summary>
    public IReadOnlyList<string> Components { get; }

    /// <summary>"a/b/c": to append to a hierarchy root.</summary>
    public string Relative => string.Join('/', Components);

    public static CgroupPath Parse(string cgroupsPath)
    {
        ArgumentNullException.ThrowIfNull(cgroupsPath);
        // The systemd driver's "slice:prefix:name" needs a transient scope from systemd over D-Bus; this
        // host has no systemd (test-environment README §9.13), so say so instead of creating a literal "a:b:c" dir.
        if (cgroupsPath.Contains(':'))
        {
            throw new NotSupportedException(
                $"cgroupsPath \"{cgroupsPath}\" uses the systemd cgroup driver form (slice:prefix:name), which Wasmcell does not support; configure containerd with SystemdCgroup = false");
        }
        var components = cgroupsPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (components.Length == 0)
        {
            throw new ArgumentException($"cgroupsPath \"{cgroupsPath}\" names the root cgroup", nameof(cgroupsPath));
        }

        foreach (var c in components)
        {
            if (c is "." or "..")
            {
                throw new ArgumentException($"cgroupsPath \"{cgroupsPath}\" must not contain \".\" or \"..\"", nameof(cgroupsPath));
            }
        }
        return new CgroupPath(cgroupsPath, components);
    }
}
