namespace Wasmcell.Oci.Tests.Infrastructure;

/// <summary>Wasm binaries the tests build from source (clang + wasi-libc, as CI has them).</summary>
internal static class WasmSamples
{
    private static readonly Lazy<string> Hello = new(() =>
    {
        // Fresh for each test run into one folder per user (the output directory may be root's while the
        // rootless run is not): no temp dirs pile up.
        var dir = Path.Combine(Path.GetTempPath(), "wasmcell-oci-samples-" + Environment.UserName);
        Directory.CreateDirectory(dir);
        var output = Path.Combine(dir, "hello.wasm");
        CommandRunner.Check("clang", "--target=wasm32-wasi", "-Os", "-s", "-Wl,--strip-all", "-o", output,
            Path.Combine(RepoLayout.Root, "examples", "hello", "hello.c"));
        return output;
    });

    /// <summary>examples/hello/hello.c compiled the way its Makefile does.</summary>
    public static string HelloWasm => Hello.Value;

    /// <summary>A minimal component binary: preamble, one import and one export section (hand-encoded).</summary>
    public static byte[] TinyComponent()
    {
        var bytes = new List<byte> { 0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00 };
        // import section (id 10): 1 import, name kind 0x00 "wasi:cli/stdout@0.2.0", externdesc instance (0x05) type 0
        var import = new List<byte> { 0x01, 0x00 };
        AddName(import, "wasi:cli/stdout@0.2.0");
        import.AddRange([0x05, 0x00]);
        bytes.Add(10);
        bytes.Add((byte)import.Count);
        bytes.AddRange(import);
        // export section (id 11): 1 export, name "wasi:cli/run@0.2.0", sortidx instance (0x05) 0, no externdesc (0x00)
        var export = new List<byte> { 0x01, 0x00 };
        AddName(export, "wasi:cli/run@0.2.0");
        export.AddRange([0x05, 0x00, 0x00]);
        bytes.Add(11);
        bytes.Add((byte)export.Count);
        bytes.AddRange(export);
        return [.. bytes];
    }

    private static void AddName(List<byte> section, string name)
    {
        section.Add((byte)name.Length);
        section.AddRange(System.Text.Encoding.UTF8.GetBytes(name));
    }
}
