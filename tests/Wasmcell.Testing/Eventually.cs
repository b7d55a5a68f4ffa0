namespace Wasmcell.Testing;

/// <summary>Polling for conditions another thread or process makes true; fails the test when time runs out.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after the timeout (10 s by default).</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        if (!await PollAsync(condition, timeout ?? DefaultTimeout))
        {
            Assert.Fail($"never became true within {(timeout ?? DefaultTimeout).TotalSeconds} s: {what}");
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds; false when it still does not after <paramref name="timeout"/>.</summary>
    public static async Task<bool> PollAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return condition();
            }

            await Task.Delay(Interval);
        }

        return true;
    }
}
