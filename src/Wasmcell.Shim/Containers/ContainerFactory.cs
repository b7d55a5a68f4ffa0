using Containerd.Task.V2;
using Wasmcell.Cell.Protocol;
using Wasmcell.Cgroups;
using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Shim.Events;
using Wasmcell.Shim.Processes;

namespace Wasmcell.Shim.Containers;

/// <summary>
/// Create (SPEC §4.2, design.md "Wasm or native"): mount the rootfs, read config.json, resolve the
/// entrypoint, open stdio, then spawn the held process — a cell for Wasm, runc for native. Any failure
/// undoes what was done, so a rejected container leaves no mount, process or cgroup behind.
/// </summary>
public static class ContainerFactory
{
    public static async Task<Container> CreateAsync(CreateTaskRequest request, string ns, IEventSink events, ShimLog log, TimeSpan cellReadyTimeout,
        IsolationMode isolation = IsolationMode.Independent)
    {
        if (request.Terminal)
        {
            throw new NotSupportedException("a terminal (ctr run -t / tty: true) is not supported by io.containerd.wasm.v1; run without -t");
        }
        if (!string.IsNullOrEmpty(request.Checkpoint))
        {
            throw new NotSupportedException("restoring from a checkpoint is not supported by io.containerd.wasm.v1");
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var configPath = Path.Join(request.Bundle, "config.json");
        var spec = SpecLoader.Load(configPath);
        var rootfs = RootfsPath(request.Bundle, spec);
        var mounted = false;
        ContainerStdio? stdio = null;
        ICgroup? cgroup = null;
        ITaskProcess? process = null;
        try
        {
            if (request.Rootfs.Count > 0)
            {
                RootfsMounts.MountAll(request.Rootfs, Path.Join(request.Bundle, "rootfs"));
                mounted = true;
            }
            // Wasm artifact fallback (issue 5): with no entrypoint in the rootfs, the module may come from
            // the image's artifact layer in containerd's content store; cellRootfs is then its directory.
            var (entry, cellRootfs) = await Artifacts.ArtifactEntrypoint.ResolveAsync(spec, rootfs, request.Id, request.Bundle, ns, log);
            stdio = ContainerStdio.Open(request.Stdin, request.Stdout, request.Stderr);
            int[] fds = [stdio.Stdin, stdio.Stdout, stdio.Stderr];
            if (entry.Kind == EntrypointKind.Native)
            {
                log.Info($"{request.Id}: {entry.ContainerPath} is native; running it with runc");
                process = await RuncProcess.CreateAsync(request.Id, request.Bundle, ns, fds);
                stdio.StartStdinCopy();
                // runc made the cgroup; open it (never create) for Stats, Pause and OOM events.
                cgroup = string.IsNullOrEmpty(spec.Linux?.CgroupsPath) ? null : Cgroups.Cgroups.Open(spec.Linux.CgroupsPath);
            }
            else if (isolation == IsolationMode.Shared)
            {
                var tenant = await SharedTenants.CreateAsync(request, spec, cellRootfs, entry, [stdio.Stdin, stdio.Stdout, stdio.Stderr], log, cellReadyTimeout);
                process = tenant;
                stdio.StartStdinCopy();
                log.Info($"{request.Id}: shared cell {tenant.Pid}:{tenant.ReadyReport}; create took {clock.Elapsed.TotalMilliseconds:0.0} ms");
                PrecompileOnMiss(tenant.ReadyReport, cellRootfs, entry.ContainerPath, log, sharedCell: true);
            }
            else
            {
                var lsm = LsmLabels.Check(spec, LsmHost.Detect());
                foreach (var ignored in lsm.Ignored)
                {
                    log.Info($"{request.Id}: {ignored}");
                }
                cgroup = MakeCgroup(spec);
                var launch = new CellLaunch(request.Bundle, cellRootfs, request.Id, entry.ContainerPath, entry.Function,
                    cgroup?.MemoryTasksFile);
                Directory.CreateDirectory(Path.Join(request.Bundle, CellLaunch.RootDirectory), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                var rules = spec.Linux?.Resources?.Devices ?? [];
                // The root binds only the devices the rules allow, which holds them where no cgroup can (v2 without
                // a device program, no cgroupsPath): no other device node is reachable from the cell.
                var plan = CellSandboxPlan.ForCell(spec, launch, SandboxedSpawn.PrepareFiles(IsComponent(entry)),
                    d => DeviceRules.Allows(rules, 'c', d.Major, d.Minor, "rw"), lsm.AppArmorProfile);
                // v1: born in the cgroup (memory it joins itself once started); v2: moved in once ready.
                var cell = await CellProcess.SpawnAsync(launch, plan, fds, cgroup, cellReadyTimeout);
                process = cell;
                stdio.StartStdinCopy();
                await cell.WaitReadyAsync();
                if (!cell.BornInCgroup)
                {
                    cgroup?.AddProcess(cell.Pid);
                }
                // Now, not before the cell was born: its own start-up opens /dev/urandom (the .NET runtime keeps
                // that fd), and the rules are for its guest, which runs only after Start. Without a cgroup that
                // holds them, the root does, except for /dev/urandom, which the cell cannot start without.
                if (cgroup?.ApplyDevices(rules) != true && !DeviceRules.Allows(rules, 'c', CellSandboxPlan.RuntimeRandom.Major, CellSandboxPlan.RuntimeRandom.Minor, "rw"))
                {
                    throw new NotSupportedException(
                        "the spec's linux.resources.devices deny /dev/urandom (c 1:9), which a Wasm cell reads at start-up, and "
                        + (cgroup is null ? "the spec has no linux.cgroupsPath to enforce that after start-up" : "this cgroup (v2, no device program) cannot enforce that after start-up")
                        + "; allow c 1:9 rw, or run on a cgroup v1 host");
                }
                log.Info($"{request.Id}: cell {cell.Pid} {cell.ReadyReport}; create took {clock.Elapsed.TotalMilliseconds:0.0} ms");
                PrecompileOnMiss(cell.ReadyReport, cellRootfs, entry.ContainerPath, log);
            }
            File.WriteAllText(Path.Join(request.Bundle, BundleFiles.InitPid), process.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Join(request.Bundle, BundleFiles.Kind), entry.Kind.ToString().ToLowerInvariant());
            // A shared cell's pid is not this container's to forget.
            return new Container(request, process, stdio, mounted, events, cgroup, log, process is SharedTenantProcess ? _ => { } : ChildReaper.Instance.Forget);
        }
        catch
        {
            if (process is not null)
            {
                process.Signal(9, all: true);
                await process.Exited.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
                await process.CleanupAsync();
            }
            try
            {
                cgroup?.Delete();
            }
            catch (Exception e) when (e is IOException or CgroupException)
            {
            }
            stdio?.Dispose();
            if (mounted)
            {
                RootfsMounts.UnmountAll(Path.Join(request.Bundle, "rootfs"));
            }
            throw;
        }
    }

    /// <summary>A cell's miss is compiled into the cache by the daemon; a hit is recorded as a use.</summary>
    private static void PrecompileOnMiss(string readyReport, string rootfs, string entry, ShimLog log, bool sharedCell = false)
    {
        if (readyReport.EndsWith(CellStatus.CacheMiss, StringComparison.Ordinal))
        {
            CachePrecompiler.Start(rootfs, entry, log, sharedCell);
        }
        else if (CellStatus.HitKey(readyReport) is { } key)
        {
            CachePrecompiler.RecordHit(key, rootfs, entry);
        }
    }

    /// <summary>Whether the entrypoint is a WebAssembly component, which only the component cell runs (CellFeatures).</summary>
    private static bool IsComponent(Entrypoint entry) => Runtime.ModuleLoader.Sniff(entry.Head) == Runtime.ModuleKind.Component;

    private static string RootfsPath(string bundle, Spec spec)
    {
        var root = spec.Root?.Path ?? "rootfs";
        return Path.IsPathRooted(root) ? root : Path.Join(bundle, root);
    }

    /// <summary>
    /// The container's cgroup with its resources applied, still empty (device rules come once the cell is
    /// ready); null without linux.cgroupsPath. A malformed device rule is refused here, before a cell is spawned.
    /// </summary>
    private static ICgroup? MakeCgroup(Spec spec)
    {
        var path = spec.Linux?.CgroupsPath;
        DeviceRules.Validate(spec.Linux?.Resources?.Devices ?? []);
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }
        var cgroup = Cgroups.Cgroups.Create(path);
        try
        {
            if (spec.Linux!.Resources is { } resources)
            {
                cgroup.Apply(resources);
            }
            return cgroup;
        }
        catch
        {
            cgroup.Delete();
            throw;
        }
    }
}
