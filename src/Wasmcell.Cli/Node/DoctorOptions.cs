namespace Wasmcell.Cli.Node;

/// <summary>Inputs of <c>wasmcell doctor</c>; the paths are parameters so tests can point them at a temp dir.</summary>
internal sealed record DoctorOptions(
    string ContainerdConfigPath,
    string Handler,
    string? SearchPath,
    string MountInfoPath,
    IKernelProbe Kernel)
{
    public static DoctorOptions ForThisNode(string configPath, string handler) =>
        new(configPath, handler, Environment.GetEnvironmentVariable("PATH"), "/proc/self/mountinfo", new KernelProbe());
}
