namespace Wasmcell.Emscripten;

/// <summary>The guest aborted (abort(), a call through an empty table slot, stack overflow): a trap, exit 134.</summary>
public sealed class EmscriptenAbortException : Exception
{
    internal EmscriptenAbortException(string message) : base(message) { }
}
