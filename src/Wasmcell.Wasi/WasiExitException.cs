namespace Wasmcell.Wasi;

/// <summary>Thrown by proc_exit to unwind the guest; the code is also in <see cref="WasiHost.ExitCode"/>.</summary>
public sealed class WasiExitException : Exception
{
    internal WasiExitException(int code) : base($"guest exited with code {code}") => Code = code;

    public int Code { get; }
}
