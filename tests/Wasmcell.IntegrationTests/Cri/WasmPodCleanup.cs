using Grpc.Core;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// Removes a test's pods however the test ends (`await using`), so that one failing test does not leave
/// a running shim behind for the next (its binary would be busy and its pod would count as a leftover).
/// After a test that removed its pods itself, every call just answers NotFound.
/// </summary>
internal sealed class WasmPodCleanup(CriClient cri) : IAsyncDisposable
{
    private readonly List<RunningPod> _pods = [];

    public RunningPod Track(RunningPod pod)
    {
        _pods.Add(pod);
        return pod;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pod in _pods)
        {
            try
            {
                await PodLifecycle.StopAndRemoveAsync(cri, pod, timeoutSeconds: 0);
            }
            catch (RpcException)
            {
                // The test's own assertion (or teardown check) reports what went wrong.
            }
        }
    }
}
