using Google.Protobuf;

namespace Wasmcell.Ttrpc;

/// <summary>
/// Serves one unary method: gets the raw request payload, returns the response message. Throw a
/// <see cref="TtrpcException"/> to answer with a specific status.
/// </summary>
public delegate Task<IMessage> TtrpcHandler(ReadOnlyMemory<byte> payload, TtrpcCallContext context);
