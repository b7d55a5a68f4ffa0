using System.Collections.Concurrent;
using System.Diagnostics;

namespace Wasmcell.IntegrationTests.Infrastructure;

/// <summary>
/// `ctr events` in the background, every line kept. Started only once it provably receives events
/// (a probe namespace is created until its /namespaces/create shows up), so nothing is missed.
/// </summary>
internal sealed class EventsRecorder : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Task _stderr;

    private EventsRecorder(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _lines.Enqueue(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _stderr = _process.StandardError.ReadToEndAsync();
    }

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public static async Task<EventsRecorder> StartAsync(PrivateContainerd env)
    {
        var psi = new ProcessStartInfo("ctr")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--address", env.Address, "events" })
        {
            psi.ArgumentList.Add(a);
        }

        var recorder = new EventsRecorder(Process.Start(psi) ?? throw new InvalidOperationException("cannot start ctr events"));
        var ready = await recorder.WaitForAsync(lines => lines.Any(l => l.Contains("/namespaces/create", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), async () =>
            {
                var probe = env.NewId("evprobe");
                await CommandRunner.RunAsync("ctr", ["--address", env.Address, "namespaces", "create", probe], TimeSpan.FromSeconds(10));
                await CommandRunner.RunAsync("ctr", ["--address", env.Address, "namespaces", "remove", probe], TimeSpan.FromSeconds(10));
            });
        if (!ready)
        {
            await recorder.DisposeAsync();
            throw new InvalidOperationException("ctr events received nothing within 10 s");
        }
        return recorder;
    }

    /// <summary>Waits until <paramref name="done"/> holds for the lines so far, doing <paramref name="poke"/> between looks.</summary>
    public async Task<bool> WaitForAsync(Func<IReadOnlyList<string>, bool> done, TimeSpan timeout, Func<Task>? poke = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done(Lines))
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                return done(Lines);
            }

            if (poke is not null)
            {
                await poke();
            }

            await Task.Delay(50);
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        await _stderr;
        _process.Dispose();
    }
}
