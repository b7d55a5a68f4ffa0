using System.CommandLine;
using System.Text.Json;
using Wasmcell.Oci.Images;
using Wasmcell.Oci.Registry;

namespace Wasmcell.Cli.Commands;

/// <summary><c>wasmcell build</c>, <c>push</c> and <c>pull</c>: Wasm images as files, layouts and registry content.</summary>
internal static class ImageCommands
{
    public static Command CreateBuild()
    {
        var module = new Argument<FileInfo>("MODULE") { Description = "The .wasm module or component" };
        var tag = new Option<string>("--tag", "-t") { Description = "Image name, e.g. hello:latest or 127.0.0.1:5000/hello:v1", Required = true };
        var files = new Option<string[]>("--file") { Description = "Add a file or directory: SRC:DEST (DEST absolute in the image); repeatable" };
        var entrypoint = new Option<string[]>("--entrypoint") { Description = "Entrypoint (repeat for more words, or a JSON array); default: the module's path, unless --cmd is given" };
        var cmd = new Option<string[]>("--cmd") { Description = "Cmd (repeat for more words, or a JSON array)" };
        var env = new Option<string[]>("--env", "-e") { Description = "Environment K=V; repeatable" };
        var workdir = new Option<string?>("--workdir", "-w") { Description = "Working directory of the process" };
        var modulePath = new Option<string?>("--module-path") { Description = "Where the module lands in the image (default /<file name>)" };
        var format = new Option<ImageFormat>("--format") { Description = "image: plain wasi/wasm image (any containerd); artifact: OCI Wasm artifact", DefaultValueFactory = _ => ImageFormat.Image };
        var uncompressed = new Option<bool>("--uncompressed") { Description = "Store the layer as a plain tar instead of gzip" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write an OCI archive (tar) that `ctr images import` accepts" };
        var layoutDir = new Option<DirectoryInfo?>("--layout") { Description = "Write into an OCI image layout directory" };
        var push = new Option<bool>("--push") { Description = "Push to the registry named by --tag" };
        var insecure = InsecureOption();
        var command = new Command("build", "Build a Wasm image from a .wasm file")
        {
            module, tag, files, entrypoint, cmd, env, workdir, modulePath, format, uncompressed, output, layoutDir, push, insecure,
        };
        command.SetAction(async (parse, cancellationToken) => await RunAsync("build", async () =>
        {
            var outputFile = parse.GetValue(output);
            var layoutTarget = parse.GetValue(layoutDir);
            var pushIt = parse.GetValue(push);
            if (outputFile is null && layoutTarget is null && !pushIt)
            {
                throw new UsageException("say where the image goes: -o IMAGE.tar, --layout DIR or --push");
            }

            var reference = ImageReference.Parse(parse.GetValue(tag)!);
            var options = new ImageBuildOptions
            {
                ModulePath = parse.GetValue(module)!.FullName,
                ModuleImagePath = parse.GetValue(modulePath),
                Format = parse.GetValue(format),
                Files = [.. (parse.GetValue(files) ?? []).SelectMany(ParseFileSpec)],
                Entrypoint = Words(parse.GetValue(entrypoint)),
                Cmd = Words(parse.GetValue(cmd)),
                Env = [.. (parse.GetValue(env) ?? []).Select(CheckEnv)],
                WorkingDir = parse.GetValue(workdir),
                Gzip = !parse.GetValue(uncompressed),
                Created = SourceDateEpoch(),
            };

            var scratch = layoutTarget is null ? Directory.CreateTempSubdirectory("wasmcell-build-") : null;
            try
            {
                var layout = OciLayout.Create(layoutTarget?.FullName ?? scratch!.FullName);
                var manifest = layout.Tag(ImageBuilder.Build(options, layout), reference.ToString(), reference.Tag);
                Console.Out.WriteLine($"{reference} {manifest.Digest} ({ImageBuilder.TotalSize(layout, manifest)} bytes)");
                if (outputFile is not null)
                {
                    OciArchive.Write(layout, outputFile.FullName);
                    Console.Out.WriteLine($"wrote {outputFile.FullName}");
                }

                if (pushIt)
                {
                    var digest = await ImagePusher.PushAsync(layout, manifest, reference, ClientOptions(reference, parse.GetValue(insecure)), cancellationToken);
                    Console.Out.WriteLine($"pushed {reference}@{digest}");
                }
            }
            finally
            {
                scratch?.Delete(recursive: true);
            }
        }));
        return command;
    }

    public static Command CreatePush()
    {
        var source = new Argument<string>("SOURCE") { Description = "An OCI archive (.tar) or OCI layout directory" };
        var target = new Argument<string?>("REFERENCE") { Description = "Where to push (default: the image's own name)", Arity = ArgumentArity.ZeroOrOne };
        var name = new Option<string?>("--name") { Description = "Which image of the layout to push (name or tag), when it holds several" };
        var insecure = InsecureOption();
        var command = new Command("push", "Push a Wasm image to a registry (OCI distribution API)") { source, target, name, insecure };
        command.SetAction(async (parse, cancellationToken) => await RunAsync("push", async () =>
        {
            using var opened = OpenSource(parse.GetValue(source)!);
            var manifest = opened.Layout.Resolve(parse.GetValue(name));
            var destination = parse.GetValue(target) is { } explicitTarget
                ? explicitTarget
                : manifest.Annotations?.GetValueOrDefault(OciLayout.ContainerdImageNameAnnotation)
                  ?? throw new UsageException("the image has no name; give a REFERENCE");
            var reference = ImageReference.Parse(destination);
            var digest = await ImagePusher.PushAsync(opened.Layout, manifest, reference, ClientOptions(reference, parse.GetValue(insecure)), cancellationToken);
            Console.Out.WriteLine($"pushed {reference}@{digest}");
        }));
        return command;
    }

    public static Command CreatePull()
    {
        var reference = new Argument<string>("REFERENCE") { Description = "Image to pull, e.g. 127.0.0.1:5000/hello:latest" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write an OCI archive (tar)" };
        var layoutDir = new Option<DirectoryInfo?>("--layout") { Description = "Pull into an OCI image layout directory" };
        var insecure = InsecureOption();
        var command = new Command("pull", "Pull a Wasm image from a registry into a layout or archive") { reference, output, layoutDir, insecure };
        command.SetAction(async (parse, cancellationToken) => await RunAsync("pull", async () =>
        {
            var outputFile = parse.GetValue(output);
            var layoutTarget = parse.GetValue(layoutDir);
            if (outputFile is null && layoutTarget is null)
            {
                throw new UsageException("say where the image goes: -o IMAGE.tar or --layout DIR");
            }

            var image = ImageReference.Parse(parse.GetValue(reference)!);
            var scratch = layoutTarget is null ? Directory.CreateTempSubdirectory("wasmcell-pull-") : null;
            try
            {
                var layout = OciLayout.Create(layoutTarget?.FullName ?? scratch!.FullName);
                var manifest = await ImagePuller.PullAsync(image, layout, ClientOptions(image, parse.GetValue(insecure)), cancellationToken);
                Console.Out.WriteLine($"{image} {manifest.Digest}");
                if (outputFile is not null)
                {
                    OciArchive.Write(layout, outputFile.FullName);
                    Console.Out.WriteLine($"wrote {outputFile.FullName}");
                }
            }
            finally
            {
                scratch?.Delete(recursive: true);
            }
        }));
        return command;
    }

    /// <summary>A layout or an unpacked archive, to be read by push or precompile.</summary>
    internal sealed class OpenedImageSource(OciLayout layout, string? scratch) : IDisposable
    {
        public OciLayout Layout { get; } = layout;

        public void Dispose()
        {
            if (scratch is not null)
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    internal static OpenedImageSource OpenSource(string path)
    {
        if (Directory.Exists(path))
        {
            return new OpenedImageSource(OciLayout.Open(path), null);
        }

        if (!File.Exists(path))
        {
            throw new UsageException($"'{path}' is neither an OCI archive nor a layout directory");
        }

        var scratch = Directory.CreateTempSubdirectory("wasmcell-archive-").FullName;
        try
        {
            return new OpenedImageSource(OciArchive.Extract(path, scratch), scratch);
        }
        catch
        {
            Directory.Delete(scratch, recursive: true);
            throw;
        }
    }

    internal static Option<bool> InsecureOption() => new("--insecure") { Description = "Talk to the registry over plain HTTP" };

    internal static RegistryClientOptions ClientOptions(ImageReference reference, bool insecure) => new()
    {
        Insecure = insecure,
        Credentials = DockerCredentialStore.Load().Find(reference.Registry),
        Progress = new ConsoleTransferProgress(Console.Error, interactive: !Console.IsErrorRedirected),
    };

    /// <summary>Runs a command body, turning expected failures into one line on stderr and exit code 1.</summary>
    internal static async Task<int> RunAsync(string name, Func<Task> body)
    {
        try
        {
            await body();
            return 0;
        }
        catch (HttpRequestException e) when (e.InnerException is System.Security.Authentication.AuthenticationException)
        {
            Console.Error.WriteLine($"wasmcell {name}: {e.Message} (a registry that speaks plain HTTP needs --insecure)");
            return 1;
        }
        catch (Exception e) when (e is UsageException or RegistryException or HttpRequestException or IOException
                                      or InvalidDataException or FormatException or ArgumentException or KeyNotFoundException
                                      or InvalidOperationException or UnauthorizedAccessException or JsonException)
        {
            Console.Error.WriteLine($"wasmcell {name}: {e.Message}");
            return 1;
        }
    }

    private static IEnumerable<LayerEntry> ParseFileSpec(string spec)
    {
        // SRC:DEST, split at the last colon so SRC may contain colons; DEST must be absolute.
        var colon = spec.LastIndexOf(':');
        if (colon <= 0 || colon == spec.Length - 1 || spec[colon + 1] != '/')
        {
            throw new UsageException($"--file '{spec}': expected SRC:DEST with an absolute DEST, e.g. ./index.html:/html/index.html");
        }

        var source = Path.GetFullPath(spec[..colon]);
        var destination = spec[(colon + 1)..];
        if (File.Exists(source))
        {
            yield return new LayerEntry(destination.EndsWith('/') ? destination + Path.GetFileName(source) : destination, source, IsExecutable(source));
            yield break;
        }

        if (!Directory.Exists(source))
        {
            throw new UsageException($"--file '{spec}': '{source}' does not exist");
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(source, file).Replace(Path.DirectorySeparatorChar, '/');
            yield return new LayerEntry(destination.TrimEnd('/') + "/" + relative, file, IsExecutable(file));
        }

        // Empty directories too (the seed's nginx needs an empty logs/); the others come with their files.
        foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories).Prepend(source).Order(StringComparer.Ordinal))
        {
            if (!Directory.EnumerateFileSystemEntries(dir).Any())
            {
                var relative = Path.GetRelativePath(source, dir).Replace(Path.DirectorySeparatorChar, '/');
                yield return LayerEntry.EmptyDirectory(relative == "." ? destination : destination.TrimEnd('/') + "/" + relative);
            }
        }
    }

    private static bool IsExecutable(string path) => (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0;

    private static IReadOnlyList<string>? Words(string[]? values)
    {
        if (values is null || values.Length == 0)
        {
            return null;
        }

        if (values.Length == 1 && values[0].TrimStart().StartsWith('['))
        {
            using var document = JsonDocument.Parse(values[0]);
            return [.. document.RootElement.EnumerateArray().Select(e => e.GetString() ?? throw new UsageException("JSON array of strings expected"))];
        }

        return values;
    }

    private static string CheckEnv(string value) =>
        value.IndexOf('=') > 0 ? value : throw new UsageException($"--env '{value}': expected K=V");

    /// <summary>The reproducible-builds convention: SOURCE_DATE_EPOCH sets the recorded creation time.</summary>
    private static DateTimeOffset SourceDateEpoch() =>
        long.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.UnixEpoch;

    internal sealed class UsageException(string message) : Exception(message);
}
