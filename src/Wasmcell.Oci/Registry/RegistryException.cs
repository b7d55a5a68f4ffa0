using System.Net;

namespace Wasmcell.Oci.Registry;

/// <summary>A registry answered with an error (or not as the distribution spec says it must).</summary>
public sealed class RegistryException(string message, HttpStatusCode? status = null) : Exception(message)
{
    public HttpStatusCode? Status { get; } = status;
}
