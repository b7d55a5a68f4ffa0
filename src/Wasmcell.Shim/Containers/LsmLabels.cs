using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Shim.Containers;

/// <summary>Which Linux security modules this host enforces: what containerd's CRI checks before it sets a label.</summary>
public sealed record LsmHost(bool AppArmorEnabled, bool SelinuxEnabled)
{
    public static LsmHost Detect() => new(
        AppArmorEnabled: File.Exists("/sys/module/apparmor/parameters/enabled")
            && File.ReadAllText("/sys/module/apparmor/parameters/enabled").StartsWith('Y'),
        SelinuxEnabled: File.Exists("/sys/fs/selinux/enforce"));
}

/// <summary>What to do with the spec's labels: log lines for those ignored, and the AppArmor profile the cell's
/// sandbox switches to (null: none).</summary>
public sealed record LsmDecision(IReadOnlyList<string> Ignored, string? AppArmorProfile);

/// <summary>
/// The spec's AppArmor profile and SELinux labels for a Wasm cell. An AppArmor profile is applied by the cell's
/// sandbox (cell_sandbox.c changes to it before the runtime starts, so every thread runs under it). A profile the host
/// cannot enforce, or a process label without SELinux, is refused (as runc refuses them): the spec asks for a
/// confinement this host cannot give, and CRI sets neither where the module is off. SELinux labels cannot be applied
/// without an exec, so one the host would enforce is refused too: a cell silently running in the shim's context would
/// be weaker than the runc container the spec describes. Only a mount label without SELinux means nothing (runc drops
/// it there too) and is logged.
/// </summary>
public static class LsmLabels
{
    /// <summary>Throws <see cref="NotSupportedException"/> for a label this host cannot apply.</summary>
    public static LsmDecision Check(Spec spec, LsmHost host)
    {
        var ignored = new List<string>();
        string? apply = null;
        var profile = spec.Process?.ApparmorProfile;
        if (!string.IsNullOrEmpty(profile) && profile != "unconfined")
        {
            if (!host.AppArmorEnabled)
            {
                throw new NotSupportedException(
                    $"process.apparmorProfile \"{profile}\" asks for AppArmor, which is not enabled on this host; "
                    + "remove the profile from the spec (or run on a host with AppArmor enabled)");
            }
            apply = profile;
        }
        foreach (var (field, label) in new[] { ("process.selinuxLabel", spec.Process?.SelinuxLabel), ("linux.mountLabel", spec.Linux?.MountLabel) })
        {
            if (string.IsNullOrEmpty(label))
            {
                continue;
            }
            if (host.SelinuxEnabled)
            {
                throw new NotSupportedException(
                    $"io.containerd.wasm.v1 cannot apply SELinux label \"{label}\" ({field}) yet, and this host enforces SELinux; "
                    + "the cell would run with the shim's own context. Remove the label or run the container with runc");
            }
            if (field == "process.selinuxLabel")
            {
                throw new NotSupportedException(
                    $"process.selinuxLabel \"{label}\" asks for SELinux, which is not enabled on this host; remove the label from the spec");
            }
            ignored.Add($"{field} \"{label}\" ignored: SELinux is not enabled on this host");
        }
        return new LsmDecision(ignored, apply);
    }
}
