namespace Wasmcell.Ttrpc;

/// <summary>
/// The gRPC status codes carried in <c>Response.status.code</c>. containerd converts them to its error
/// classes with <c>errdefs.FromGRPC</c> (SPEC §3.4), so the numeric values are part of the wire contract.
/// </summary>
public enum StatusCode
{
    /// <summary>Success.</summary>
    OK = 0,
    /// <summary>The request context was cancelled.</summary>
    Cancelled = 1,
    /// <summary>Any error that has no better code.</summary>
    Unknown = 2,
    /// <summary>The request was malformed or made no sense.</summary>
    InvalidArgument = 3,
    /// <summary>The request deadline (<c>timeout_nano</c>) expired.</summary>
    DeadlineExceeded = 4,
    /// <summary>The named entity does not exist.</summary>
    NotFound = 5,
    /// <summary>The entity to create already exists.</summary>
    AlreadyExists = 6,
    /// <summary>The caller may not do this.</summary>
    PermissionDenied = 7,
    /// <summary>A limit was hit, e.g. a frame larger than 4 MiB.</summary>
    ResourceExhausted = 8,
    /// <summary>The entity is in the wrong state for this request.</summary>
    FailedPrecondition = 9,
    /// <summary>The operation was aborted, typically by a concurrent one.</summary>
    Aborted = 10,
    /// <summary>A value was outside its valid range.</summary>
    OutOfRange = 11,
    /// <summary>The service or method is not implemented.</summary>
    Unimplemented = 12,
    /// <summary>An invariant of the server broke.</summary>
    Internal = 13,
    /// <summary>The connection is gone; reconnect and retry.</summary>
    Unavailable = 14,
}
