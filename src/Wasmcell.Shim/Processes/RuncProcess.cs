using System.Text.Json;
using Wasmcell.Linux;

namespace Wasmcell.Shim.Processes;

/// <summary>
/// A native container (the pod's pause, sidecars, ELF or #! entrypoints) run by runc with the same bundle.
/// runc leaves the container init to us (we are a child subreaper), so the reaper sees its exit.
/// </summary>
public sealed class RuncProcess : ITaskProcess
{
    private readonly string _runc;
    private readonly string _root;
    private readonly string _id;
    private readonly string _bundle;

    private RuncProcess(string runc, string root, string id, string bundle, int pid)
    {
        _runc = runc;
        _root = root;
        _id = id;
        _bundle = bundle;
        Pid = pid;
        Exited = ChildReaper.Instance.WaitAsync(pid);
    }

    public int Pid { get; }

    public Task<ExitStatus> Exited { get; }

    /// <summary>runc's state dir: private to this containerd (under its --state), per namespace.</summary>
    public static string RootFor(string bundle, string ns) =>
        Path.Join(Path.GetFullPath(Path.Join(bundle, "..", "..", "..")), "wasmcell", "runc", ns);

    public static async Task<RuncProcess> CreateAsync(string id, string bundle, string ns, int[] stdio)
    {
        var runc = FindRunc();
        var root = RootFor(bundle, ns);
        Directory.CreateDirectory(root);
        var pidFile = Path.Join(bundle, "init.pid");
        var log = Path.Join(bundle, "runc-log.json");
        var (code, stderr) = await ProcessRunner.RunAsync(runc,
            ["--root", root, "--log", log, "--log-format", "json", "create", "--bundle", bundle, "--pid-file", pidFile, id],
            stdio).ConfigureAwait(false);
        if (code != 0)
        {
            throw new InvalidOperationException($"runc create {id} failed (exit {code}): {LastError(log, stderr)}");
        }
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        ChildReaper.Instance.Poke();
        return new RuncProcess(runc, root, id, bundle, pid);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var (code, stderr) = await ProcessRunner.RunAsync(_runc, ["--root", _root, "start", _id]).ConfigureAwait(false);
        if (code != 0)
        {
            throw new InvalidOperationException($"runc start {_id} failed (exit {code}): {LastError(Path.Join(_bundle, "runc-log.json"), stderr)}");
        }
    }

    public bool Signal(int signal, bool all)
    {
        if (all)
        {
            var r = ProcessRunner.RunAsync(_runc, ["--root", _root, "kill", "--all", _id, signal.ToString(System.Globalization.CultureInfo.InvariantCulture)])
                .GetAwaiter().GetResult();
            return r.Code == 0 || !Exited.IsCompleted;
        }
        return !Exited.IsCompleted && Libc.Kill(Pid, signal) == 0;
    }

    public IReadOnlyList<int> Pids() => Exited.IsCompleted ? [] : [Pid];

    public async Task<bool> CleanupAsync()
    {
        var (code, _) = await ProcessRunner.RunAsync(_runc, ["--root", _root, "delete", "--force", _id]).ConfigureAwait(false);
        return code == 0;
    }

    public static async Task ForceDeleteAsync(string bundle, string ns, string id)
    {
        var runc = FindRunc();
        await ProcessRunner.RunAsync(runc, ["--root", RootFor(bundle, ns), "delete", "--force", id]).ConfigureAwait(false);
    }

    public static string FindRunc()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':'))
        {
            var p = Path.Join(dir, "runc");
            if (File.Exists(p))
            {
                return p;
            }
        }
        throw new FileNotFoundException("runc not found on PATH; native containers (the pod's pause, sidecars) need it");
    }

    private static string LastError(string logFile, string stderr)
    {
        try
        {
            foreach (var line in File.ReadLines(logFile).Reverse())
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("level", out var level) && level.GetString() == "error"
                    && doc.RootElement.TryGetProperty("msg", out var msg))
                {
                    return msg.GetString() ?? stderr;
                }
            }
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
        }
        return stderr.Length > 0 ? stderr : "no error output";
    }
}
