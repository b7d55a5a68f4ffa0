namespace Wasmcell.Shim.Containers;

/// <summary>Why a task operation was refused, in containerd's errdefs terms; ErrorMapping gives each its status code.</summary>
public enum TaskErrorKind
{
    NotFound,
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    Unimplemented,
}
