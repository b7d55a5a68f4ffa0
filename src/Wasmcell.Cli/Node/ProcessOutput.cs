using System.Diagnostics;

namespace Wasmcell.Cli.Node;

/// <summary>Runs a short-lived command (e.g. <c>containerd --version</c>) and returns its stdout.</summary>
internal static class ProcessOutput
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A version query answers in milliseconds; a hung binary must not hang the doctor.
        if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, stdout.Result, "timed out after 10 s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
