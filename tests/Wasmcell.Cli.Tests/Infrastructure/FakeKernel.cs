using Wasmcell.Cli.Node;

namespace Wasmcell.Cli.Tests.Infrastructure;

/// <summary>A kernel probe with chosen answers, for the doctor's FAIL paths.</summary>
internal sealed class FakeKernel(params KernelFeature[] missing) : IKernelProbe
{
    public (bool Available, string Detail) Probe(KernelFeature feature) =>
        missing.Contains(feature) ? (false, "not implemented by this kernel (ENOSYS)") : (true, "available");
}
