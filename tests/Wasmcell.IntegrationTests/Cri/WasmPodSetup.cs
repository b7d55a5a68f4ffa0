using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>What a Wasm CRI test sets up before its pod: the published shim in the environment, test modules as images.</summary>
internal static class WasmPodSetup
{
    /// <summary>
    /// <see cref="CriEnvironment.InstallShim"/>, skipped when the installed shim is already the published
    /// one: overwriting the binary of a shim that still runs (a pod a failed test left) fails with ETXTBSY.
    /// </summary>
    public static void InstallShim(CriEnvironment env)
    {
        var published = ShimBinary.EnsurePublished();
        if (ShimBinary.Executables.All(name => Same(Path.Combine(env.OptBin, name), Path.Combine(published, name)))
            && File.Exists(Path.Combine(env.OptBin, "containerd-shim-wasm-shared-v1")))
        {
            return;
        }
        env.InstallShim();
    }

    private static bool Same(string installed, string published) =>
        File.Exists(installed) && File.ReadAllBytes(installed).AsSpan().SequenceEqual(File.ReadAllBytes(published));

    /// <summary>Imports tests/wasm's <paramref name="module"/> (e.g. "spin.wasm") as a one-file image whose entrypoint is the module.</summary>
    public static async Task<string> ImportModuleAsync(CriEnvironment env, string module)
    {
        var image = $"localhost/wcc/{Path.GetFileNameWithoutExtension(module)}-wasm:1";
        await env.ImportImageAsync(image,
            [new(module, await File.ReadAllBytesAsync(TestWasm.PathOf(module)), Mode: OciArchive.LayerEntry.Executable)],
            ["/" + module]);
        return image;
    }
}
