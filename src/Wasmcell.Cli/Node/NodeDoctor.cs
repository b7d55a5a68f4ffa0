namespace Wasmcell.Cli.Node;

/// <summary>
/// <c>wasmcell doctor</c>: checks what a node needs to run pods with the Wasm RuntimeClass and
/// prints one OK/FAIL line per check, with a hint for each failure.
/// </summary>
internal static class NodeDoctor
{
    public static IReadOnlyList<DoctorResult> Run(DoctorOptions options)
    {
        var directories = ExecutableSearch.Directories(options.SearchPath);
        var containerd = ExecutableSearch.Find("containerd", directories);
        var results = new List<DoctorResult> { CheckContainerd(containerd) };
        var (configResult, config) = CheckConfig(options);
        results.Add(configResult);
        results.Add(CheckShim(options.Handler, config, directories, containerd));
        results.Add(CheckRunc(directories));
        results.Add(CheckCgroups(options.MountInfoPath));
        results.Add(CheckKernel(options.Kernel, KernelFeature.Openat2, "kernel openat2", "Linux 5.6 or newer"));
        results.Add(CheckKernel(options.Kernel, KernelFeature.PidfdOpen, "kernel pidfd_open", "Linux 5.3 or newer"));
        return results;
    }

    private static DoctorResult CheckContainerd(string? containerd)
    {
        const string name = "containerd version";
        if (containerd is null)
        {
            return DoctorResult.Fail(name, "containerd not found on PATH", "install containerd 1.6 or newer (Debian/Ubuntu: apt-get install containerd)");
        }
        var (exit, stdout, stderr) = ProcessOutput.Run(containerd, "--version");
        var version = ContainerdVersion.Parse(stdout);
        if (exit != 0 || version is null)
        {
            return DoctorResult.Fail(name, $"`{containerd} --version` failed (exit {exit}): {(stdout + stderr).Trim()}", "check the containerd installation");
        }
        if (version < ContainerdVersion.Minimum)
        {
            return DoctorResult.Fail(name, $"{stdout.Trim()} is older than {ContainerdVersion.Minimum}", "upgrade containerd to 1.6 or newer");
        }
        return DoctorResult.Pass(name, stdout.Trim());
    }

    private static (DoctorResult, ContainerdConfig?) CheckConfig(DoctorOptions options)
    {
        var name = $"handler '{options.Handler}' configured";
        var path = options.ContainerdConfigPath;
        var install = $"run `wasmcell install --containerd-config {path} --handler {options.Handler}`, then restart containerd";
        if (!File.Exists(path))
        {
            return (DoctorResult.Fail(name, $"{path} does not exist (containerd's built-in defaults have no '{options.Handler}' handler)", install), null);
        }
        ContainerdConfig config;
        string? runtimeType;
        try
        {
            config = ContainerdConfig.Parse(path, File.ReadAllText(path));
            runtimeType = config.RuntimeTypeOf(options.Handler);
        }
        catch (NodeSetupException e)
        {
            return (DoctorResult.Fail(name, e.Message, "fix the config file, then run wasmcell install"), null);
        }
        var header = "[" + TomlKeyIndex.Format(config.HandlerPath(options.Handler)) + "]";
        if (config.IsCriDisabled())
        {
            return (DoctorResult.Fail(name, $"{path} lists the CRI plugin in disabled_plugins, so no runtime handler is served", "remove it from disabled_plugins (kubeadm-style configs ship `disabled_plugins = [\"cri\"]`)"), config);
        }
        if (runtimeType is null)
        {
            return (DoctorResult.Fail(name, $"{path} (config version {config.Version}) has no {header} with a runtime_type", install), config);
        }
        if (runtimeType != ContainerdConfig.WasmRuntimeType)
        {
            return (DoctorResult.Fail(name, $"{header} has runtime_type = \"{runtimeType}\", not \"{ContainerdConfig.WasmRuntimeType}\"", "use another --handler name for wasmcell, or fix that table"), config);
        }
        return (DoctorResult.Pass(name, $"{header} runtime_type = \"{runtimeType}\" in {path}"), config);
    }

    private static DoctorResult CheckShim(string handler, ContainerdConfig? config, IReadOnlyList<string> directories, string? containerd)
    {
        const string name = "shim " + ShimInstaller.ShimFileName;
        var hint = $"run `wasmcell install` (copies {ShimInstaller.ShimFileName}, {string.Join(", ", ShimInstaller.Companions)} and {ShimInstaller.WasmtimeLibraryName} into /usr/local/bin)";
        string? found;
        string? runtimePath = null;
        try
        {
            runtimePath = config?.RuntimePathOf(handler);
        }
        catch (NodeSetupException)
        {
            // Version problems are reported by the config check; fall back to the PATH search.
        }
        if (runtimePath is not null)
        {
            // An absolute runtime_path replaces the lookup entirely (SPEC §1.2, step 1).
            found = ExecutableSearch.IsExecutable(runtimePath) ? runtimePath : null;
            if (found is null)
            {
                return DoctorResult.Fail(name, $"runtime_path = \"{runtimePath}\" is not an executable file", hint);
            }
        }
        else
        {
            // containerd's order: <opt path>/bin (prepended to its PATH), PATH, containerd's own directory.
            var searched = new List<string> { Path.Combine(config?.OptPath ?? "/opt/containerd", "bin") };
            searched.AddRange(directories);
            if (containerd is not null)
            {
                searched.Add(Path.GetDirectoryName(containerd)!);
            }
            found = ExecutableSearch.Find(ShimInstaller.ShimFileName, searched);
            if (found is null)
            {
                return DoctorResult.Fail(name, $"not found in {string.Join(':', searched.Distinct())}", hint);
            }
        }
        foreach (var companion in ShimInstaller.Companions.Append(ShimInstaller.WasmtimeLibraryName))
        {
            if (!File.Exists(Path.Combine(Path.GetDirectoryName(found)!, companion)))
            {
                return DoctorResult.Fail(name, $"found at {found}, but {companion} is not beside it", hint);
            }
        }
        return DoctorResult.Pass(name, $"{found} (with {string.Join(", ", ShimInstaller.Companions)} and {ShimInstaller.WasmtimeLibraryName})");
    }

    private static DoctorResult CheckRunc(IReadOnlyList<string> directories)
    {
        const string name = "runc";
        var runc = ExecutableSearch.Find("runc", directories);
        if (runc is null)
        {
            return DoctorResult.Fail(name, "not found on PATH", "install runc (the shim runs pause and native sidecar containers with it)");
        }
        var (exit, stdout, _) = ProcessOutput.Run(runc, "--version");
        var first = stdout.Split('\n', 2)[0].Trim();
        return exit == 0
            ? DoctorResult.Pass(name, $"{runc}: {first}")
            : DoctorResult.Fail(name, $"`{runc} --version` exited {exit}", "reinstall runc");
    }

    private static DoctorResult CheckCgroups(string mountInfoPath)
    {
        const string name = "cgroups";
        var mode = File.Exists(mountInfoPath) ? CgroupMode.Describe(File.ReadAllText(mountInfoPath)) : null;
        return mode is null
            ? DoctorResult.Fail(name, "no cgroup hierarchy mounted under /sys/fs/cgroup", "mount cgroup2 on /sys/fs/cgroup (or the v1 controllers); limits and stats need it")
            : DoctorResult.Pass(name, mode);
    }

    private static DoctorResult CheckKernel(IKernelProbe kernel, KernelFeature feature, string name, string needs)
    {
        var (available, detail) = kernel.Probe(feature);
        return available
            ? DoctorResult.Pass(name, detail)
            : DoctorResult.Fail(name, detail, $"the shim needs {needs}; if a seccomp profile blocks it, allow the syscall for containerd and its shims");
    }
}
