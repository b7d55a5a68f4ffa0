namespace Wasmcell.Ttrpc;

/// <summary>
/// A ttrpc call failed with a status. Handlers throw it to answer with <see cref="Code"/> and the message;
/// clients receive it when the server answered with a non-OK status or the call failed locally
/// (deadline, connection loss).
/// </summary>
public sealed class TtrpcException : Exception
{
    /// <summary>Creates an exception that travels as <c>Status{code, message}</c>.</summary>
    public TtrpcException(StatusCode code, string message)
        : base(message)
    {
        Code = code;
    }

    internal TtrpcException(StatusCode code, string message, Exception innerException)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>The status code sent or received on the wire.</summary>
    public StatusCode Code { get; }
}
