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

/// <summary>
/// The spec's AppArmor profile and SELinux labels for a Wasm cell. The cell cannot apply them yet, so a label
/// the host would enforce is refused at create: a cell silently running unconfined would be weaker than the
/// runc container the spec describes. A label the host cannot enforce means nothing there (CRI sets one only
/// where the module is enabled) and is only logged.
/// </summary>
public static class LsmLabels
{
    /// <summary>
    /// Throws <see cref="NotSupportedException"/> for a label the host enforces; returns a line for the log for
    /// each one ignored because its module is not enabled.
    /// </summary>
    public static IReadOnlyList<string> Check(Spec spec, LsmHost host)
    {
        var ignored = new List<string>();
        var profile = spec.Process?.ApparmorProfile;
        if (!string.IsNullOrEmpty(profile))
        {
            if (!host.AppArmorEnabled)
            {
                ignored.Add($"process.apparmorProfile \"{profile}\" ignored: AppArmor is not enabled on this host");
            }
            else if (profile != "unconfined")
            {
                // Its place: the cell's native pre-main, writing "exec <profile>" to /proc/self/attr/apparmor/exec before it execs the runtime.
                throw new NotSupportedException(
                    $"io.containerd.wasm.v1 cannot apply AppArmor profile \"{profile}\" (process.apparmorProfile) yet, and this host "
                    + "enforces AppArmor; the cell would run unconfined. Use the profile \"unconfined\" or run the container with runc");
            }
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
            ignored.Add($"{field} \"{label}\" ignored: SELinux is not enabled on this host");
        }
        return ignored;
    }
}
