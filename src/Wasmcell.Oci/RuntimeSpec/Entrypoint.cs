using Wasmcell.Linux;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Oci.RuntimeSpec;

public enum EntrypointKind
{
    Wasm,
    Native,
}

/// <summary>
/// What the container runs: args[0] resolved inside the rootfs the way the container sees it
/// (cwd-relative, then PATH; symlinks resolve against the rootfs), classified by its first bytes.
/// </summary>
public sealed record Entrypoint(EntrypointKind Kind, string ContainerPath, string? Function)
{
    /// <summary>The file's first bytes (up to 16), as read to classify it: what else is told from them needs no second read.</summary>
    public byte[] Head { get; init; } = [];

    private static readonly string[] DefaultPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    public static Entrypoint Resolve(Spec spec, string rootfs)
    {
        var args = spec.Process?.Args;
        if (args is null || args.Count == 0 || args[0].Length == 0)
        {
            throw new InvalidDataException("the container has no entrypoint: process.args is empty; set an ENTRYPOINT/CMD or pass a command");
        }
        var (name, function) = SplitFunction(args[0]);
        var cwd = string.IsNullOrEmpty(spec.Process!.Cwd) ? "/" : spec.Process.Cwd;
        using var root = ContainerRootfs.Open(rootfs);
        foreach (var candidate in Candidates(name, cwd, spec.Process.Env))
        {
            var head = ReadHead(root, candidate, out var errno);
            if (head is null)
            {
                if (errno is Errno.ENOENT or Errno.ENOTDIR or Errno.EISDIR)
                {
                    continue;
                }
                throw new InvalidDataException($"entrypoint {candidate} in the container's rootfs cannot be read: {Libc.ErrorText(errno)}");
            }
            return new Entrypoint(Classify(head, candidate), candidate, function) { Head = head };
        }
        throw new FileNotFoundException(
            $"entrypoint {name} not found in the container's rootfs (looked relative to cwd {cwd} and in PATH); check the image's ENTRYPOINT/CMD");
    }

    private static EntrypointKind Classify(ReadOnlySpan<byte> head, string path)
    {
        if (head.StartsWith("\0asm"u8) || head.StartsWith("(module"u8))
        {
            return EntrypointKind.Wasm;
        }
        if (head.StartsWith("\u007fELF"u8) || head.StartsWith("#!"u8))
        {
            return EntrypointKind.Native;
        }
        if (path.EndsWith(".wasm", StringComparison.Ordinal) || path.EndsWith(".wat", StringComparison.Ordinal))
        {
            // Named like a module but is not one: a broken download or a text file.
            throw new InvalidDataException($"{path} is not a WebAssembly module (no \\0asm header, {head.Length} bytes read); rebuild or re-pull the image");
        }
        throw new InvalidDataException($"entrypoint {path} is neither a WebAssembly module nor an ELF binary or #! script; point ENTRYPOINT at a .wasm file");
    }

    private static (string Name, string? Function) SplitFunction(string arg0)
    {
        var hash = arg0.LastIndexOf('#');
        return hash > 0 && hash < arg0.Length - 1 && !arg0[(hash + 1)..].Contains('/')
            ? (arg0[..hash], arg0[(hash + 1)..])
            : (arg0, null);
    }

    private static IEnumerable<string> Candidates(string name, string cwd, List<string>? env)
    {
        if (name.StartsWith('/'))
        {
            yield return name;
            yield break;
        }
        yield return Join(cwd, name);
        if (name.Contains('/'))
        {
            yield break;
        }
        var path = env?.FirstOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?["PATH=".Length..];
        foreach (var dir in path is null ? DefaultPath : path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            yield return Join(dir, name);
        }
    }

    private static string Join(string dir, string name) => (dir.EndsWith('/') ? dir : dir + "/") + name;

    private static byte[]? ReadHead(ContainerRootfs root, string containerPath, out Errno errno)
    {
        errno = root.TryOpen(containerPath, Libc.O_RDONLY, out var fd);
        using (fd)
        {
            if (errno != Errno.None)
            {
                return null;
            }
            var buf = new byte[16];
            var n = Libc.TryRead(fd.Fd, buf, out errno);
            return n >= 0 ? buf[..n] : null;
        }
    }
}
