using System.Collections.Concurrent;

namespace Wasmcell.Ttrpc;

/// <summary>The server's service → method → handler table; safe to add to while serving.</summary>
internal sealed class HandlerRegistry
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, TtrpcHandler>> _services =
        new(StringComparer.Ordinal);

    public void Add(string service, string method, TtrpcHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(handler);
        ConcurrentDictionary<string, TtrpcHandler> methods =
            _services.GetOrAdd(service, static _ => new ConcurrentDictionary<string, TtrpcHandler>(StringComparer.Ordinal));
        if (!methods.TryAdd(method, handler))
        {
            throw new ArgumentException($"ttrpc: {service}/{method} is already registered", nameof(method));
        }
    }

    /// <exception cref="TtrpcException">Unimplemented: the service or the method is not registered.</exception>
    public TtrpcHandler Find(string service, string method)
    {
        if (!_services.TryGetValue(service, out ConcurrentDictionary<string, TtrpcHandler>? methods))
        {
            throw Errors.UnknownService(service);
        }

        return methods.TryGetValue(method, out TtrpcHandler? handler) ? handler : throw Errors.UnknownMethod(method);
    }
}
