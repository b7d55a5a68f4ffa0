namespace Wasmcell.Testing;

/// <summary>ctr bound to our private containerd (--address) and test namespace; every call has a timeout.</summary>
public sealed class Ctr(string address, string ns)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public string Namespace => ns;

    public Task<CommandResult> RunAsync(IEnumerable<string> args, TimeSpan? timeout = null, byte[]? stdin = null) =>
        CommandRunner.RunAsync("ctr", ["--address", address, "--namespace", ns, .. args], timeout ?? DefaultTimeout, stdin);

    public Task<CommandResult> RunAsync(params string[] args) => RunAsync(args, null);

    /// <summary>Runs ctr to completion, for synchronous callers; the result says how it ended.</summary>
    public CommandResult Run(params string[] args) => RunAsync(args, null).GetAwaiter().GetResult();

    /// <summary>Runs ctr to completion and returns its stdout; throws with its whole result when it fails.</summary>
    public string Check(params string[] args)
    {
        var result = Run(args);
        if (result.ExitCode != 0 || result.TimedOut)
        {
            throw new InvalidOperationException(result.Describe());
        }

        return result.Stdout;
    }

    /// <summary>`ctr task ls` as (id, pid, status) rows.</summary>
    public async Task<IReadOnlyList<TaskRow>> TasksAsync()
    {
        var r = await RunAsync("tasks", "ls");
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException("ctr tasks ls failed: " + r.Describe());
        }

        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(c => c.Length >= 3)
            .Select(c => new TaskRow(c[0], int.Parse(c[1], System.Globalization.CultureInfo.InvariantCulture), c[2]))
            .ToList();
    }

    public async Task<TaskRow?> TaskAsync(string id) => (await TasksAsync()).FirstOrDefault(t => t.Id == id);

    /// <summary>Polls `ctr task ls` until the task reaches <paramref name="status"/>; returns the last row seen.</summary>
    public async Task<TaskRow?> WaitForStatusAsync(string id, string status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var row = await TaskAsync(id);
            if (row?.Status == status || DateTime.UtcNow > deadline)
            {
                return row;
            }

            await Task.Delay(50);
        }
    }

    public async Task<IReadOnlyList<string>> ContainerIdsAsync()
    {
        var r = await RunAsync("containers", "ls", "-q");
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}

public sealed record TaskRow(string Id, int Pid, string Status);
