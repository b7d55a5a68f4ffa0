namespace Wasmcell.Shim.Containers;

/// <summary>
/// Where a task is in its life (SPEC §4.1). Owned by the task core; TaskService turns it into containerd's
/// status only when it builds a response. Changes go through <see cref="TaskTransitions"/>.
/// </summary>
public enum TaskState
{
    Created,
    Running,
    Paused,
    Stopped,
    Deleted,
}
