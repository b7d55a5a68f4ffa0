namespace Wasmcell.Cli.Node;

/// <summary>Inputs of <c>wasmcell install</c>.</summary>
internal sealed record InstallOptions(string ContainerdConfigPath, string BinDir, string Handler, string ShimPath);
