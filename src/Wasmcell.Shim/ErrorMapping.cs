using Wasmcell.Runtime;
using Wasmcell.Shim.Processes;
using Wasmcell.Ttrpc;

namespace Wasmcell.Shim;

/// <summary>The one place where exceptions become ttrpc status codes (containerd maps them to errdefs).</summary>
public static class ErrorMapping
{
    public static StatusCode CodeFor(Exception e) => e switch
    {
        TtrpcException t => t.Code,
        CellCreateException or ModuleLoadException or InvalidDataException or FileNotFoundException
            or NotSupportedException or ArgumentException => StatusCode.InvalidArgument,
        OperationCanceledException => StatusCode.Cancelled,
        TimeoutException => StatusCode.DeadlineExceeded,
        _ => StatusCode.Unknown,
    };
}
