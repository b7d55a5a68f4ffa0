namespace Wasmcell.Cli.Node;

/// <summary>
/// A refusal of <c>wasmcell install</c> / <c>doctor</c> with a message meant for the operator: it names
/// the file or binary concerned and says what to do. Nothing has been changed when it is thrown.
/// </summary>
internal sealed class NodeSetupException(string message) : Exception(message);
