// In-process half of the cache benchmark: what a cell pays to get a runnable Module for a large
// module on a cache miss (compile + serialize + store) versus a hit (hash module, hash the
// precompiled file, DeserializeFile). Prints medians and the miss/hit ratio in one run.
//   dotnet run -c Release --project bench/images/PrecompileBench -- big.wasm [misses] [hits]
using System.Diagnostics;
using System.Globalization;
using Wasmcell.Runtime;
using Wasmcell.Runtime.Cache;
using Wasmtime;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: PrecompileBench MODULE.wasm [misses=5] [hits=30]");
    return 2;
}

var modulePath = args[0];
var misses = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var hits = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 30;
var root = Directory.CreateTempSubdirectory("wasmcell-bench-cache-").FullName;
try
{
    using var engine = new WasmEngine();
    Console.WriteLine($"module {modulePath}: {new FileInfo(modulePath).Length} bytes; Wasmtime {WasmEngine.WasmtimeVersion}; engine {engine.ConfigFingerprint}");

    // Warm the managed code paths (JIT) once so the first timed run is not a JIT measurement.
    new PrecompileCache(Path.Combine(root, "warm")).LoadOrCompile(engine, modulePath).Dispose();

    var missTimes = new List<double>();
    for (var i = 0; i < misses; i++)
    {
        var cache = new PrecompileCache(Path.Combine(root, "miss-" + i));
        missTimes.Add(Time(() => cache.LoadOrCompile(engine, modulePath).Dispose()));
    }

    var hitCache = new PrecompileCache(Path.Combine(root, "miss-0"));
    var hitTimes = new List<double>();
    for (var i = 0; i < hits; i++)
    {
        hitTimes.Add(Time(() => hitCache.LoadOrCompile(engine, modulePath).Dispose()));
    }

    if (hitCache.Stats.Hits != hits)
    {
        throw new InvalidOperationException($"expected {hits} hits, got {hitCache.Stats}");
    }

    // The bare Wasmtime call, without our two hashes, for comparison.
    var cwasm = Directory.GetFiles(Path.Combine(root, "miss-0", "objects"), "*.cwasm").Single();
    var rawTimes = new List<double>();
    for (var i = 0; i < hits; i++)
    {
        rawTimes.Add(Time(() => Module.DeserializeFile(engine.Engine, "big", cwasm).Dispose()));
    }

    var miss = Median(missTimes);
    var hit = Median(hitTimes);
    Console.WriteLine($"precompiled file: {new FileInfo(cwasm).Length} bytes");
    Console.WriteLine($"miss (compile+store)        median {miss,9:0.000} ms  (n={misses})");
    Console.WriteLine($"hit  (verify+DeserializeFile) median {hit,9:0.000} ms  (n={hits})");
    Console.WriteLine($"raw DeserializeFile          median {Median(rawTimes),9:0.000} ms  (n={hits})");
    Console.WriteLine($"ratio miss/hit: {miss / hit:0.0}x");
    return 0;
}
finally
{
    Directory.Delete(root, recursive: true);
}

static double Time(Action action)
{
    var clock = Stopwatch.StartNew();
    action();
    return clock.Elapsed.TotalMilliseconds;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
