using Wasmcell.Oci.RuntimeSpec;
using Wasmcell.Shim.Containers;

namespace Wasmcell.Shim.Tests;

public sealed class EntrypointTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("wct-entry").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static Spec SpecWith(string cwd, params string[] args) =>
        new() { Process = new Process { Args = [.. args], Cwd = cwd, Env = ["PATH=/bin"] } };

    [Fact]
    public void Relative_wasm_resolves_against_cwd()
    {
        File.WriteAllBytes(Path.Join(_root, "hello.wasm"), [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
        var e = Entrypoint.Resolve(SpecWith("/", "hello.wasm"), _root);
        Assert.Equal(EntrypointKind.Wasm, e.Kind);
        Assert.Equal("/hello.wasm", e.ContainerPath);
        // The bytes it was classified by: the daemon tells a component from them without reading the file again.
        Assert.Equal(new byte[] { 0, 0x61, 0x73, 0x6d, 1, 0, 0, 0 }, e.Head);
    }

    [Fact]
    public void Elf_found_through_path_is_native()
    {
        Directory.CreateDirectory(Path.Join(_root, "bin"));
        File.WriteAllBytes(Path.Join(_root, "bin", "busybox"), [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1]);
        File.CreateSymbolicLink(Path.Join(_root, "bin", "echo"), "/bin/busybox");   // absolute: resolved in the rootfs
        var e = Entrypoint.Resolve(SpecWith("/", "echo", "hi"), _root);
        Assert.Equal(EntrypointKind.Native, e.Kind);
        Assert.Equal("/bin/echo", e.ContainerPath);
    }

    [Fact]
    public void Function_suffix_selects_export()
    {
        File.WriteAllBytes(Path.Join(_root, "m.wasm"), [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
        var e = Entrypoint.Resolve(SpecWith("/", "/m.wasm#serve"), _root);
        Assert.Equal("serve", e.Function);
        Assert.Equal("/m.wasm", e.ContainerPath);
    }

    [Fact]
    public void Text_file_named_wasm_is_rejected_with_its_name()
    {
        File.WriteAllText(Path.Join(_root, "app.wasm"), "<html>not found</html>");
        var ex = Assert.Throws<InvalidDataException>(() => Entrypoint.Resolve(SpecWith("/", "/app.wasm"), _root));
        Assert.Contains("/app.wasm is not a WebAssembly module", ex.Message);
    }

    [Fact]
    public void Missing_entrypoint_names_it()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => Entrypoint.Resolve(SpecWith("/", "/nope.wasm"), _root));
        Assert.Contains("/nope.wasm not found", ex.Message);
    }

    [Fact]
    public void Symlink_cannot_escape_the_rootfs()
    {
        // An absolute link to a host file resolves inside the rootfs, where it does not exist.
        File.CreateSymbolicLink(Path.Join(_root, "evil.wasm"), "/etc/passwd");
        Assert.Throws<FileNotFoundException>(() => Entrypoint.Resolve(SpecWith("/", "/evil.wasm"), _root));
        File.CreateSymbolicLink(Path.Join(_root, "up.wasm"), "../../../../../etc/passwd");
        Assert.Throws<FileNotFoundException>(() => Entrypoint.Resolve(SpecWith("/", "/up.wasm"), _root));
    }

    [Fact]
    public void Empty_args_is_a_clear_error()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Entrypoint.Resolve(new Spec { Process = new Process() }, _root));
        Assert.Contains("process.args is empty", ex.Message);
    }
}
