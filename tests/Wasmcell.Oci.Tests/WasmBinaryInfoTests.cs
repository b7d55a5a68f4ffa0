using Wasmcell.Oci.Images;
using Wasmcell.Oci.Tests.Infrastructure;

namespace Wasmcell.Oci.Tests;

public sealed class WasmBinaryInfoTests
{
    [Fact]
    public void Core_module_is_wasip1_without_component_names()
    {
        var info = WasmBinaryInfo.Read(File.ReadAllBytes(WasmSamples.HelloWasm));
        Assert.False(info.IsComponent);
        Assert.Equal("wasip1", info.Os);
        Assert.Empty(info.Imports);
    }

    [Fact]
    public void Component_lists_its_top_level_imports_and_exports()
    {
        var info = WasmBinaryInfo.Read(WasmSamples.TinyComponent());
        Assert.True(info.IsComponent);
        Assert.Equal("wasip2", info.Os);
        Assert.Equal(["wasi:cli/stdout@0.2.0"], info.Imports);
        Assert.Equal(["wasi:cli/run@0.2.0"], info.Exports);
    }

    [Fact]
    public void Truncated_component_section_leaves_names_empty_instead_of_failing()
    {
        var bytes = WasmSamples.TinyComponent();
        var info = WasmBinaryInfo.Read(bytes.AsSpan(0, bytes.Length - 5));
        Assert.True(info.IsComponent);
        Assert.Empty(info.Exports);
    }

    [Fact]
    public void Non_wasm_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => WasmBinaryInfo.Read("\u007fELF\u0002\u0001\u0001\u0000"u8));
    }
}
