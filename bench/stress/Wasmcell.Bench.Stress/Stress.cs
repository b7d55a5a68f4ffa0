using System.Collections.Concurrent;
using System.Diagnostics;

namespace Wasmcell.Bench.Stress;

/// <summary>What one mode's run measured: wall time over all tasks, each successful task's latency, the failures.</summary>
public sealed record RunResult(string Mode, int Count, int Parallel, TimeSpan Elapsed, double[] LatenciesMs, IReadOnlyList<string> Errors)
{
    public int Succeeded => LatenciesMs.Length;

    /// <summary>Completed tasks per second of wall time (failed tasks do not count).</summary>
    public double TasksPerSecond => Succeeded / Elapsed.TotalSeconds;

    /// <summary>Nearest-rank percentile of the successful tasks' latencies, in ms (NaN when none succeeded).</summary>
    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0)
        {
            return double.NaN;
        }
        var sorted = LatenciesMs.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>Runs N tasks, at most M at a time (M workers taking the next index), like runwasi's stress-test.</summary>
public static class Stress
{
    public static async Task<RunResult> RunAsync(string mode, int count, int parallel, TimeSpan taskTimeout,
        Func<int, CancellationToken, Task> task)
    {
        var latencies = new ConcurrentBag<double>();
        var errors = new ConcurrentQueue<string>();
        var next = -1;
        var wall = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Math.Max(1, parallel)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                using var timeout = new CancellationTokenSource(taskTimeout);
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    await task(i, timeout.Token);
                    latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
                catch (Exception ex)
                {
                    errors.Enqueue($"task {i}: {(timeout.IsCancellationRequested ? $"timed out after {taskTimeout.TotalSeconds:0} s: " : "")}{ex.GetType().Name}: {ex.Message}");
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        wall.Stop();
        return new RunResult(mode, count, parallel, wall.Elapsed, [.. latencies], [.. errors]);
    }
}
