namespace Wasmcell.Ttrpc.Tests.Infrastructure;

internal static class Eventually
{
    /// <summary>Polls until <paramref name="condition"/> holds; fails (does not time the code) after 10 s.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        for (int i = 0; i < 1000; i++)
        {
            if (condition())
            {
                return;
            }

            await Task.Delay(10);
        }

        Assert.Fail($"never became true: {what}");
    }
}
