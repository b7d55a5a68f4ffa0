using Wasmcell.Runtime;
using Wasmcell.Shim.Containers;
using Wasmcell.Shim.Processes;
using Wasmcell.Ttrpc;

namespace Wasmcell.Shim;

/// <summary>
/// The one place where exceptions become ttrpc status codes (containerd maps them to errdefs). TaskService
/// sends every handler's failure through <see cref="ToTtrpc"/>; nothing below it knows of ttrpc.
/// </summary>
public static class ErrorMapping
{
    public static StatusCode CodeFor(Exception e) => e switch
    {
        TaskException t => CodeFor(t.Kind),
        TtrpcException t => t.Code,
        CellCreateException or ModuleLoadException or InvalidDataException or FileNotFoundException
            or NotSupportedException or ArgumentException => StatusCode.InvalidArgument,
        OperationCanceledException => StatusCode.Cancelled,
        TimeoutException => StatusCode.DeadlineExceeded,
        _ => StatusCode.Unknown,
    };

    public static StatusCode CodeFor(TaskErrorKind kind) => kind switch
    {
        TaskErrorKind.NotFound => StatusCode.NotFound,
        TaskErrorKind.AlreadyExists => StatusCode.AlreadyExists,
        TaskErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
        TaskErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        TaskErrorKind.Unimplemented => StatusCode.Unimplemented,
        _ => StatusCode.Unknown,
    };

    /// <summary>The status the client gets for <paramref name="e"/>: its code and its message.</summary>
    public static TtrpcException ToTtrpc(Exception e) => e as TtrpcException ?? new TtrpcException(CodeFor(e), e.Message);
}
