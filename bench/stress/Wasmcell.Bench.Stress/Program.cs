using Wasmcell.Bench.Stress;

// Wasmcell.Bench.Stress containerd|shim [options]: N containers (create, start, wait, delete), M at a time, per
// mode (shared, independent, runc), then tasks/s, latency percentiles and ratios. bench/stress/README.md.
const string Usage = """
    usage: Wasmcell.Bench.Stress containerd --address SOCK --wasm-image REF --runc-image REF [--runc-root DIR]
                                            [--snapshotter overlayfs] [common]
           Wasmcell.Bench.Stress shim --shim PATH [--runc-shim PATH] --dir DIR --wasm-rootfs DIR --runc-rootfs DIR
                                      [--wasm-args "/hello.wasm"] [--runc-args "/bin/echo hello"] [--runc-root DIR] [common]
    common: [-n N=200] [-p M=8] [--modes shared,independent,runc] [--namespace bench] [--cgroup-parent /wasmcell-stress]
            [--shared-by annotation|runtime] [--warmup 1] [--timeout 60] [--rounds 1]
    """;

try
{
    if (args.Length == 0 || args[0] is "-h" or "--help")
    {
        Console.WriteLine(Usage);
        return args.Length == 0 ? 2 : 0;
    }
    var driver = args[0];
    var opts = CliOptions.Parse(args.AsSpan(1));
    var count = opts.Int("n", 200);
    var parallel = opts.Int("p", 8);
    var warmup = opts.Int("warmup", 1);
    var timeout = TimeSpan.FromSeconds(opts.Int("timeout", 60));
    var ns = opts.Get("namespace", "bench");
    var cgroupParent = opts.Get("cgroup-parent", "/wasmcell-stress");
    var sharedByRuntime = opts.Get("shared-by", "annotation") switch
    {
        "annotation" => false,
        "runtime" => true,
        var other => throw new UsageException($"--shared-by {other}: annotation or runtime"),
    };
    var modes = opts.Get("modes", "shared,independent,runc").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(m => Mode.Parse(m, sharedByRuntime)).ToList();
    var runId = DateTime.UtcNow.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture);
    ThreadPool.SetMinThreads(Math.Max(parallel * 2, 8), Math.Max(parallel * 2, 8));
    var results = new List<RunResult>();
    string title;
    var roundsNote = opts.Int("rounds", 1) > 1 ? $", modes alternating in {opts.Int("rounds", 1)} rounds" : "";

    if (driver == "containerd")
    {
        var runcRoot = opts.GetOptional("runc-root");
        using var client = new ContainerdDriver(opts.Required("address"), ns, opts.Get("snapshotter", "overlayfs"), cgroupParent, runcRoot);
        var images = new Dictionary<string, ImageInfo>();
        foreach (var mode in modes)
        {
            var name = opts.Required(mode.IsRunc ? "runc-image" : "wasm-image");
            if (!images.ContainsKey(name))
            {
                var image = images[name] = await client.ResolveImageAsync(name, CancellationToken.None);
                Console.Error.WriteLine($"stress: {name}: snapshot parent {image.ChainId}, args [{string.Join(' ', image.Args)}]");
            }
        }
        await RunAllAsync(mode =>
        {
            var image = images[opts.Required(mode.IsRunc ? "runc-image" : "wasm-image")];
            return (id, cancel) => client.RunOneAsync(mode, image, id, cancel);
        });
        title = $"containerd gRPC API (Containers/Snapshots/Tasks), {count} tasks at concurrency {parallel}{roundsNote}:";
    }
    else if (driver == "shim")
    {
        var shim = Path.GetFullPath(opts.Required("shim"));
        var runcShim = opts.Get("runc-shim", "/usr/bin/containerd-shim-runc-v2");
        await using var fake = FakeContainerd.Start(Path.GetFullPath(opts.Required("dir")));
        var shims = new ShimDriver(fake, ns, cgroupParent, opts.GetOptional("runc-root"));
        try
        {
            await RunAllAsync(mode =>
            {
                // containerd's name mapping (SPEC §1.1): io.containerd.wasm-shared.v1 -> containerd-shim-wasm-shared-v1.
                var binary = mode.IsRunc ? runcShim
                    : mode.Runtime == Mode.WasmSharedRuntime ? Path.Join(Path.GetDirectoryName(shim), "containerd-shim-wasm-shared-v1")
                    : shim;
                var rootfs = Path.GetFullPath(opts.Required(mode.IsRunc ? "runc-rootfs" : "wasm-rootfs"));
                var programArgs = opts.Get(mode.IsRunc ? "runc-args" : "wasm-args", mode.IsRunc ? "/bin/echo hello" : "/hello.wasm")
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return (id, cancel) => shims.RunOneAsync(mode, binary, rootfs, programArgs, id, cancel);
            });
        }
        finally
        {
            var stopped = await fake.StopShimsAsync();
            shims.Cleanup();
            Console.Error.WriteLine($"stress: stopped {stopped.Count} shim process(es) still running (a shared daemon lingers {Environment.GetEnvironmentVariable("WASMCELL_SHARED_LINGER") ?? "0"} s)");
            foreach (var s in stopped)
            {
                Console.Error.WriteLine($"   {s}");
            }
            // Counted once the shims are gone: a daemon publishes from a queue, flushed when it exits.
            Console.Error.WriteLine($"stress: {fake.Events} events forwarded by the shims (4 per task expected: create, start, exit, delete)");
        }
        title = $"shim ttrpc API with a fake containerd (no containerd), {count} tasks at concurrency {parallel}{roundsNote}:";
    }
    else
    {
        throw new UsageException($"unknown driver '{driver}' (containerd or shim)");
    }

    Report.Print(Console.Out, title, results);
    return results.All(r => r.Errors.Count == 0) ? 0 : 1;

    // Each mode's N tasks in `rounds` parts, modes alternating within a round, so that a busy machine's slow
    // minutes hit every mode alike; a mode's result sums its parts (wall time, latencies, failures).
    async Task RunAllAsync(Func<Mode, Func<string, CancellationToken, Task>> runner)
    {
        var rounds = Math.Clamp(opts.Int("rounds", 1), 1, Math.Max(1, count));
        var parts = modes.ToDictionary(m => m.Name, _ => new List<RunResult>());
        for (var round = 0; round < rounds; round++)
        {
            var share = count / rounds + (round < count % rounds ? 1 : 0);
            foreach (var mode in modes)
            {
                var one = runner(mode);
                if (round == 0 && warmup > 0)
                {
                    // Warm-up, not counted: page cache, the first shim resolution, a shared daemon's first cell.
                    var warm = await Stress.RunAsync(mode.Name, warmup, 1, timeout, (i, cancel) => one($"{mode.Name}-{runId}-w{i}", cancel));
                    foreach (var e in warm.Errors)
                    {
                        Console.Error.WriteLine($"stress: {mode.Name} warm-up: {e}");
                    }
                }
                var annotations = string.Join(",", mode.Annotations.Select(a => $"{a.Key}={a.Value}"));
                Console.Error.WriteLine($"stress: round {round + 1}/{rounds}: {mode.Name} ({mode.Runtime}{(annotations.Length > 0 ? ", " + annotations : "")}): {share} tasks, {parallel} at a time");
                var r = round;
                parts[mode.Name].Add(await Stress.RunAsync(mode.Name, share, parallel, timeout, (i, cancel) => one($"{mode.Name}-{runId}-{r}-{i}", cancel)));
            }
        }
        foreach (var mode in modes)
        {
            var p = parts[mode.Name];
            results.Add(new RunResult(mode.Name, count, parallel, TimeSpan.FromTicks(p.Sum(x => x.Elapsed.Ticks)),
                [.. p.SelectMany(x => x.LatenciesMs)], [.. p.SelectMany(x => x.Errors)]));
        }
    }
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"stress: {ex.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}

/// <summary>--name value pairs (and -n, -p).</summary>
internal sealed class CliOptions
{
    private readonly Dictionary<string, string> _values = [];

    public static CliOptions Parse(ReadOnlySpan<string> args)
    {
        var options = new CliOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (!a.StartsWith('-') || i + 1 >= args.Length)
            {
                throw new UsageException($"expected --name value, got '{a}'");
            }
            options._values[a.TrimStart('-')] = args[++i];
        }
        return options;
    }

    public string Get(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public string? GetOptional(string name) => _values.GetValueOrDefault(name);

    public string Required(string name) => _values.TryGetValue(name, out var v) ? v : throw new UsageException($"--{name} is required");

    public int Int(string name, int fallback) =>
        !_values.TryGetValue(name, out var v) ? fallback
        : int.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 0 ? n
        : throw new UsageException($"--{name} {v}: not a count");
}
