namespace Wasmcell.Shim.Containers;

/// <summary>A task operation refused for a reason the client can act on; the task core throws nothing else on purpose.</summary>
public sealed class TaskException(TaskErrorKind kind, string message) : Exception(message)
{
    public TaskErrorKind Kind { get; } = kind;
}
