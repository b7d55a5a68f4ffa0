namespace Wasmcell.Runtime;

/// <summary>A module that cannot run here; the message names the file and what to do.</summary>
public sealed class ModuleLoadException(string message, Exception? inner = null) : Exception(message, inner);
