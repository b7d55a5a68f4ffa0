namespace Wasmcell.Shim.Containers;

/// <summary>
/// The one list of state changes a task may make. Anything else is FailedPrecondition, so a client asking
/// for the impossible (start twice, resume a running task) gets an error instead of a silent no-op.
/// </summary>
public static class TaskTransitions
{
    public static bool IsAllowed(TaskState from, TaskState to) => (from, to) switch
    {
        (TaskState.Created, TaskState.Running) => true,
        // A held process can die before Start (killed, or Delete ended it).
        (TaskState.Created, TaskState.Stopped) => true,
        (TaskState.Running, TaskState.Paused) => true,
        (TaskState.Running, TaskState.Stopped) => true,
        (TaskState.Paused, TaskState.Running) => true,
        // SIGKILL ends a frozen task too.
        (TaskState.Paused, TaskState.Stopped) => true,
        (TaskState.Stopped, TaskState.Deleted) => true,
        _ => false,
    };

    /// <summary>Returns <paramref name="to"/> if the change is allowed, else throws FailedPrecondition naming both states.</summary>
    public static TaskState Check(string id, TaskState from, TaskState to) =>
        IsAllowed(from, to)
            ? to
            : throw new TaskException(TaskErrorKind.FailedPrecondition,
                $"container {id} is {Name(from)}: cannot make it {Name(to)}");

    public static string Name(TaskState state) => state.ToString().ToLowerInvariant();
}
