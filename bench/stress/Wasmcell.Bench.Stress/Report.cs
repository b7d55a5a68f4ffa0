using System.Globalization;

namespace Wasmcell.Bench.Stress;

/// <summary>Prints a driver's results: tasks/s, latency percentiles, failures, and the ratios between modes.</summary>
public static class Report
{
    public static void Print(TextWriter output, string title, IReadOnlyList<RunResult> results)
    {
        output.WriteLine(title);
        output.WriteLine(Invariant($"   {"mode",-12} {"tasks/s",8} {"p50 ms",8} {"p99 ms",8} {"max ms",8} {"ok",6} {"failed",6}  (N, M)"));
        foreach (var r in results)
        {
            output.WriteLine(Invariant(
                $"   {r.Mode,-12} {r.TasksPerSecond,8:0.0} {r.Percentile(50),8:0.0} {r.Percentile(99),8:0.0} {r.Percentile(100),8:0.0} {r.Succeeded,6} {r.Errors.Count,6}  ({r.Count}, {r.Parallel})"));
            foreach (var e in r.Errors.Take(3))
            {
                output.WriteLine($"      {e}");
            }
        }
        var rate = results.ToDictionary(r => r.Mode, r => r.TasksPerSecond);
        var ratios = new List<string>();
        void Ratio(string a, string b)
        {
            if (rate.TryGetValue(a, out var x) && rate.TryGetValue(b, out var y) && y > 0)
            {
                ratios.Add(Invariant($"{a}/{b} {x / y:0.00}x"));
            }
        }
        Ratio(Mode.Shared, Mode.Runc);
        Ratio(Mode.Independent, Mode.Runc);
        Ratio(Mode.Shared, Mode.Independent);
        if (ratios.Count > 0)
        {
            output.WriteLine($"   tasks/s ratios: {string.Join(", ", ratios)}");
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
