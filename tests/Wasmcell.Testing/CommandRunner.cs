using System.Diagnostics;

namespace Wasmcell.Testing;

/// <summary>
/// Runs commands and never hangs: on timeout the whole process tree is killed and the result says so.
/// Stdin is always a pipe (closed after <c>stdin</c> is written), never the test host's.
/// </summary>
public static class CommandRunner
{
    public static Task<CommandResult> RunAsync(
        string file, IReadOnlyList<string> args, TimeSpan timeout, byte[]? stdin = null) =>
        Start(file, args, timeout, stdin).Completion;

    /// <summary>Starts a command; its output can be watched while it runs (<see cref="RunningCommand"/>).</summary>
    /// <param name="holdStdin">Keep stdin open until <see cref="RunningCommand.SendStdinAndCloseAsync"/> (else
    /// <paramref name="stdin"/>, if any, is written and stdin closed at once).</param>
    public static RunningCommand Start(string file, IReadOnlyList<string> args, TimeSpan timeout, byte[]? stdin = null, bool holdStdin = false)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var commandLine = file + " " + string.Join(' ', args.Select(Quote));
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {commandLine}");
        return new RunningCommand(process, commandLine, timeout, stdin, holdStdin);
    }

    /// <summary>Runs a command to completion, for synchronous callers; the result says how it ended.</summary>
    public static CommandResult Run(string file, IReadOnlyList<string> args, TimeSpan timeout) =>
        RunAsync(file, args, timeout).GetAwaiter().GetResult();

    /// <summary>Runs a tool to completion and returns its stdout; throws with its whole result when it fails or times out.</summary>
    public static string Check(string file, params string[] args)
    {
        var result = RunAsync(file, args, TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
        if (result.ExitCode != 0 || result.TimedOut)
        {
            throw new InvalidOperationException(result.Describe());
        }

        return result.Stdout;
    }

    public static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./=:,@+".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''") + "'";
}

/// <summary>A started command: its stdout so far, and its result once it ends (or is killed on timeout).</summary>
public sealed class RunningCommand
{
    private readonly Process _process;
    private readonly MemoryStream _stdout = new();
    private readonly object _gate = new();

    public RunningCommand(Process process, string commandLine, TimeSpan timeout, byte[]? stdin, bool holdStdin)
    {
        _process = process;
        Pid = process.Id;
        Completion = RunAsync(commandLine, timeout, holdStdin ? null : stdin ?? []);
    }

    /// <summary>Writes to the held-open stdin, then closes it (the command sees EOF).</summary>
    public async Task SendStdinAndCloseAsync(byte[] data)
    {
        try
        {
            await _process.StandardInput.BaseStream.WriteAsync(data);
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Ended already: its result says why.
        }
    }

    public int Pid { get; }

    public Task<CommandResult> Completion { get; }

    public string StdoutSoFar
    {
        get
        {
            lock (_gate)
            {
                return System.Text.Encoding.UTF8.GetString(_stdout.GetBuffer(), 0, (int)_stdout.Length);
            }
        }
    }

    /// <summary>For failure messages: the result if it ended, else the output so far.</summary>
    public string DescribeSoFar() =>
        Completion.IsCompletedSuccessfully ? Completion.Result.Describe() : "still running; stdout so far:\n" + StdoutSoFar;

    /// <summary>Waits until stdout contains <paramref name="text"/>; false if the command ended or time ran out first.</summary>
    public async Task<bool> WaitForStdoutAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!StdoutSoFar.Contains(text, StringComparison.Ordinal))
        {
            if (Completion.IsCompleted || DateTime.UtcNow > deadline)
            {
                return StdoutSoFar.Contains(text, StringComparison.Ordinal);
            }

            await Task.Delay(20);
        }
        return true;
    }

    private async Task CopyStdoutAsync()
    {
        var buf = new byte[65536];
        var stream = _process.StandardOutput.BaseStream;
        int n;
        while ((n = await stream.ReadAsync(buf)) > 0)
        {
            lock (_gate)
            {
                _stdout.Write(buf, 0, n);
            }
        }
    }

    private async Task<CommandResult> RunAsync(string commandLine, TimeSpan timeout, byte[]? stdin)
    {
        await Task.Yield();
        using var process = _process;
        var stdoutDone = CopyStdoutAsync();
        var stderrDone = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.BaseStream.WriteAsync(stdin);
                process.StandardInput.Close();
            }
        }
        catch (IOException)
        {
            // The command exited (or closed its stdin) before reading everything: its result says why.
        }

        var timedOut = false;
        using (var cts = new CancellationTokenSource(timeout))
        {
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        // A grandchild that inherited the pipes could keep them open: do not wait for it forever.
        try
        {
            await Task.WhenAll(stdoutDone, stderrDone).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            timedOut = true;
        }

        byte[] bytes;
        lock (_gate)
        {
            bytes = _stdout.ToArray();
        }

        var stderr = stderrDone.IsCompletedSuccessfully ? stderrDone.Result : "";
        return new CommandResult(commandLine, process.ExitCode, bytes, stderr, timedOut);
    }
}
