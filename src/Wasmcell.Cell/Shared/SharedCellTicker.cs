using Wasmcell.Runtime;

namespace Wasmcell.Cell.Shared;

/// <summary>
/// Moves the shared engine's epoch every <see cref="Period"/> while some guest runs, so that each running guest
/// reaches its meter (TenantMeter: memory samples, CPU quota). A guest waiting in a host call is not woken by it;
/// with no guest running the thread sleeps.
/// </summary>
internal sealed class SharedCellTicker
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);

    private readonly WasmEngine _engine;
    private readonly object _gate = new();
    private int _running;

    public SharedCellTicker(WasmEngine engine)
    {
        _engine = engine;
        new Thread(Tick) { IsBackground = true, Name = "epoch-tick" }.Start();
    }

    public void GuestStarted()
    {
        lock (_gate)
        {
            if (_running++ == 0)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    public void GuestEnded()
    {
        lock (_gate)
        {
            _running--;
        }
    }

    private void Tick()
    {
        while (true)
        {
            lock (_gate)
            {
                while (_running == 0)
                {
                    Monitor.Wait(_gate);
                }
            }
            Thread.Sleep(Period);
            _engine.Interrupt();
        }
    }
}
