namespace Wasmcell.Cli.Node;

/// <summary>
/// <c>wasmcell doctor</c>: checks what a node needs to run pods with the Wasm RuntimeClasses (<c>wasm</c> and
/// <c>wasm-shared</c>) and prints one OK/FAIL line per check, with a hint for each failure.
/// </summary>
internal static class NodeDoctor
{
    public static IReadOnlyList<DoctorResult> Run(DoctorOptions options)
    {
        var directories = ExecutableSearch.Directories(options.SearchPath);
        var containerd = ExecutableSearch.Find("containerd", directories);
        var results = new List<DoctorResult> { CheckContainerd(containerd) };
        // Both RuntimeClasses (`wasm` and `wasm-shared`): each handler's config, then each handler's shim.
        var handlers = RuntimeHandler.For(options.Handler);
        var configs = handlers.Select(h => CheckConfig(options, h)).ToList();
        results.AddRange(configs.Select(c => c.Result));
        var config = configs[0].Config;
        var (launcherResult, launcher) = CheckShim(handlers[0], config, directories, containerd, launcher: null);
        results.Add(launcherResult);
        results.Add(CheckShim(handlers[1], config, directories, containerd, launcher).Result);
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

    private static (DoctorResult Result, ContainerdConfig? Config) CheckConfig(DoctorOptions options, RuntimeHandler handler)
    {
        var name = $"handler '{handler.Name}' configured";
        var path = options.ContainerdConfigPath;
        // --handler is the base name: install registers it and its -shared sibling together.
        var install = $"run `wasmcell install --containerd-config {path} --handler {options.Handler}`, then restart containerd";
        if (!File.Exists(path))
        {
            return (DoctorResult.Fail(name, $"{path} does not exist (containerd's built-in defaults have no '{handler.Name}' handler)", install), null);
        }
        ContainerdConfig config;
        string? runtimeType;
        try
        {
            config = ContainerdConfig.Parse(path, File.ReadAllText(path));
            runtimeType = config.RuntimeTypeOf(handler.Name);
        }
        catch (NodeSetupException e)
        {
            return (DoctorResult.Fail(name, e.Message, "fix the config file, then run wasmcell install"), null);
        }
        var header = "[" + TomlKeyIndex.Format(config.HandlerPath(handler.Name)) + "]";
        if (config.IsCriDisabled())
        {
            return (DoctorResult.Fail(name, $"{path} lists the CRI plugin in disabled_plugins, so no runtime handler is served", "remove it from disabled_plugins (kubeadm-style configs ship `disabled_plugins = [\"cri\"]`)"), config);
        }
        if (runtimeType is null)
        {
            return (DoctorResult.Fail(name, $"{path} (config version {config.Version}) has no {header} with a runtime_type", install), config);
        }
        if (runtimeType != handler.RuntimeType)
        {
            return (DoctorResult.Fail(name, $"{header} has runtime_type = \"{runtimeType}\", not \"{handler.RuntimeType}\"", "use another --handler name for wasmcell, or fix that table"), config);
        }
        return (DoctorResult.Pass(name, $"{header} runtime_type = \"{runtimeType}\" in {path}"), config);
    }

    /// <summary>
    /// Finds the binary containerd would exec for <paramref name="handler"/> and checks that the launcher's companions
    /// sit beside its real path (the launcher looks for them beside /proc/self/exe, so through any symlink). The
    /// shared-mode binary must be the <paramref name="launcher"/> itself, under another name: a separate copy would
    /// run whatever build it was copied from. Returns the real path found, for that comparison.
    /// </summary>
    private static (DoctorResult Result, string? RealPath) CheckShim(
        RuntimeHandler handler, ContainerdConfig? config, IReadOnlyList<string> directories, string? containerd, string? launcher)
    {
        var name = "shim " + handler.ShimBinary;
        var hint = handler.RuntimeType == ContainerdConfig.WasmRuntimeType
            ? $"run `wasmcell install` (copies {ShimInstaller.ShimFileName}, {string.Join(", ", ShimInstaller.Companions)} and {ShimInstaller.WasmtimeLibraryName} into /usr/local/bin)"
            : $"run `wasmcell install` (links {ShimInstaller.SharedShimFileName} to {ShimInstaller.ShimFileName} in /usr/local/bin)";
        string? found;
        string? runtimePath = null;
        try
        {
            runtimePath = config?.RuntimePathOf(handler.Name);
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
                return (DoctorResult.Fail(name, $"runtime_path = \"{runtimePath}\" is not an executable file", hint), null);
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
            found = ExecutableSearch.Find(handler.ShimBinary, searched);
            if (found is null)
            {
                return (DoctorResult.Fail(name, $"not found in {string.Join(':', searched.Distinct())}", hint), null);
            }
        }
        var real = Path.GetFullPath(new FileInfo(found).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? found);
        var shown = real == found ? found : $"{found} -> {real}";
        foreach (var companion in ShimInstaller.Companions.Append(ShimInstaller.WasmtimeLibraryName))
        {
            if (!File.Exists(Path.Combine(Path.GetDirectoryName(real)!, companion)))
            {
                return (DoctorResult.Fail(name, $"found at {shown}, but {companion} is not beside it", hint), real);
            }
        }
        if (launcher is not null && real != launcher)
        {
            return (DoctorResult.Fail(name, $"found at {shown}, which is not the launcher {launcher}", hint), real);
        }
        return (DoctorResult.Pass(name, $"{shown} (with {string.Join(", ", ShimInstaller.Companions)} and {ShimInstaller.WasmtimeLibraryName})"), real);
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
