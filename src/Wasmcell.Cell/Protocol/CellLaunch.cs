namespace Wasmcell.Cell.Protocol;

/// <summary>
/// What the cell needs besides config.json; passed on its command line. <see cref="MemoryTasks"/> is the v1
/// memory cgroup `tasks` file the cell's main thread joins once it has started (see ICgroup.TryEnterWithCurrentThread);
/// the sandbox opens it before the cell loses its privileges and leaves it on <see cref="MemoryTasksFd"/>.
/// </summary>
public sealed record CellLaunch(string Bundle, string Rootfs, string Id, string Entry, string? Function, string? MemoryTasks = null)
{
    public const string Mode = "__cell";

    /// <summary>
    /// A compile into the precompile cache for the daemon (CellSandboxPlan.ForPrecompile): NAME, the module on
    /// <see cref="ModuleFd"/>, then <see cref="PrecompileForSharedCell"/> when a shared cell missed (its engine differs).
    /// </summary>
    public const string PrecompileMode = "__precompile", PrecompileForSharedCell = "shared";

    /// <summary>fd numbers inside the cell, after stdio; the plan is read and closed by the sandbox before Main.</summary>
    public const int BarrierFd = 3, StatusFd = 4, PlanFd = 5, MemoryTasksFd = 6, ModuleFd = 6;

    /// <summary>The empty directory in the bundle the sandbox mounts the cell's root on (in the cell's own mount namespace).</summary>
    public const string RootDirectory = "cell-root";

    public string[] ToArgs() => [Mode, Bundle, Rootfs, Id, Entry, Function ?? "", MemoryTasks ?? ""];

    public static CellLaunch FromArgs(IReadOnlyList<string> args) =>
        args.Count < 5 ? throw new ArgumentException("usage: __cell BUNDLE ROOTFS ID ENTRY [FUNCTION [MEMORY-TASKS]]")
            : new CellLaunch(args[1], args[2], args[3], args[4], Optional(args, 5), Optional(args, 6));

    private static string? Optional(IReadOnlyList<string> args, int i) => args.Count > i && args[i].Length > 0 ? args[i] : null;
}
