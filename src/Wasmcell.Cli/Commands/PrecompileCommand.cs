using System.CommandLine;
using System.Diagnostics;
using Wasmcell.Oci.Images;
using Wasmcell.Oci.Registry;
using Wasmcell.Runtime;
using Wasmcell.Runtime.Cache;

namespace Wasmcell.Cli.Commands;

/// <summary><c>wasmcell precompile IMAGE|MODULE</c>: warm the precompile cache so the first start is a hit.</summary>
internal static class PrecompileCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("IMAGE|MODULE")
        {
            Description = "A .wasm file, an OCI archive (.tar) or layout directory, or a registry reference",
        };
        var cacheDir = new Option<string>("--cache-dir")
        {
            Description = "Precompile cache directory (the shim's)",
            DefaultValueFactory = _ => PrecompileCache.DefaultRoot,
        };
        var maxBytes = new Option<long>("--max-bytes")
        {
            Description = "Size bound of the cache; least recently used entries are evicted beyond it",
            DefaultValueFactory = _ => PrecompileCache.DefaultMaxBytes,
        };
        var name = new Option<string?>("--name") { Description = "Which image of a layout/archive (name or tag)" };
        var insecure = ImageCommands.InsecureOption();
        var command = new Command("precompile", "Compile a module or component ahead of time into the precompile cache")
        {
            target, cacheDir, maxBytes, name, insecure,
        };
        command.SetAction(async (parse, cancellationToken) => await ImageCommands.RunAsync("precompile", async () =>
        {
            var module = await ResolveModuleAsync(parse.GetValue(target)!, parse.GetValue(name), parse.GetValue(insecure), cancellationToken);
            var cache = new PrecompileCache(parse.GetValue(cacheDir)!, parse.GetValue(maxBytes));
            var clock = Stopwatch.StartNew();
            try
            {
                // A core module or a component: told apart by its header. A core module may also run in a shared cell,
                // whose engine differs (WasmEngine.ForSharedCell): it is compiled for both.
                using (var engine = new WasmEngine())
                {
                    cache.Warm(engine.Engine, engine.ConfigFingerprint, module.Bytes, module.Name);
                }
                if (ModuleLoader.Sniff(module.Bytes.AsSpan(0, Math.Min(module.Bytes.Length, 64))) != ModuleKind.Component)
                {
                    using var shared = WasmEngine.ForSharedCell();
                    cache.Warm(shared.Engine, shared.ConfigFingerprint, module.Bytes, module.Name);
                }
            }
            catch (Wasmtime.WasmtimeException e)
            {
                throw new InvalidDataException($"{module.Name} does not compile: {e.Message}", e);
            }

            var stats = cache.Stats;
            Console.Out.WriteLine(
                $"{module.Name}: {(cache.Misses == 0 ? "already cached" : "compiled")} in {clock.Elapsed.TotalMilliseconds:0.0} ms; cache {cache.Root}: {stats.Entries} entries, {stats.Bytes} bytes");
        }));
        return command;
    }

    private static async Task<ImageModule> ResolveModuleAsync(string target, string? name, bool insecure, CancellationToken cancellationToken)
    {
        if (File.Exists(target) && IsWasm(target))
        {
            return new ImageModule(Path.GetFileName(target), await File.ReadAllBytesAsync(target, cancellationToken));
        }

        if (File.Exists(target) || Directory.Exists(target))
        {
            using var opened = ImageCommands.OpenSource(target);
            return ImageModuleLocator.Find(opened.Layout, opened.Layout.Resolve(name));
        }

        var reference = ImageReference.Parse(target);
        var scratch = Directory.CreateTempSubdirectory("wasmcell-precompile-");
        try
        {
            var layout = OciLayout.Create(scratch.FullName);
            var manifest = await ImagePuller.PullAsync(reference, layout, ImageCommands.ClientOptions(reference, insecure), cancellationToken);
            return ImageModuleLocator.Find(layout, manifest);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static bool IsWasm(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual("\0asm"u8);
    }
}
