namespace Wasmcell.Linux;

/// <summary>
/// Starts the long-lived threads a container needs (its OOM watch, its stdin copy) from the thread pool, so
/// the request that asked for them does not wait: .NET's Thread.Start returns only once the new thread runs,
/// 0.1-1 ms on a busy 2-core host, on the path of every Create.
/// </summary>
public static class DedicatedThread
{
    /// <summary>Starts <paramref name="body"/> on a background thread named <paramref name="name"/>, soon.</summary>
    public static void StartSoon(ThreadStart body, string name) =>
        ThreadPool.UnsafeQueueUserWorkItem(
            static s => new Thread(s.body) { IsBackground = true, Name = s.name }.Start(), (body, name), preferLocal: false);
}
