using System.Text;
using System.Text.Json;

namespace Wasmcell.Shim.Tests;

public sealed class SpecAnnotationsTests
{
    [Fact]
    public void Reads_top_level_annotations_and_skips_everything_else()
    {
        var json = """
            {"ociVersion":"1.0.2","process":{"args":["/a.wasm"],"env":["annotations=no"]},
             "linux":{"annotations":{"nested":"ignored"},"resources":{"memory":{"limit":1}}},
             "annotations":{"io.kubernetes.cri.sandbox-id":"sb1","n":42,"o":{"x":"y"},"s":"v"},
             "mounts":[{"destination":"/x","options":["ro"]}]}
            """;
        var annotations = SpecAnnotations.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Equal(new Dictionary<string, string> { ["io.kubernetes.cri.sandbox-id"] = "sb1", ["s"] = "v" }, annotations);
        Assert.Equal("sb1", ShimSocket.GroupOf("c1", annotations));
    }

    [Fact]
    public void No_annotations_is_an_empty_map() =>
        Assert.Empty(SpecAnnotations.Parse("""{"process":{"args":["x"]}}"""u8));

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{\"annotations\":{\"a\":")]
    [InlineData("not json")]
    public void Broken_json_is_rejected(string json) =>
        Assert.ThrowsAny<JsonException>(() => SpecAnnotations.Parse(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void A_missing_or_broken_file_gives_null_so_start_falls_back_to_the_id()
    {
        var dir = Directory.CreateTempSubdirectory("wc-annot-");
        try
        {
            Assert.Null(SpecAnnotations.TryRead(Path.Join(dir.FullName, "config.json")));
            File.WriteAllText(Path.Join(dir.FullName, "config.json"), "{\"annotations\":");
            Assert.Null(SpecAnnotations.TryRead(Path.Join(dir.FullName, "config.json")));
            Assert.Equal("c1", ShimSocket.GroupOf("c1", SpecAnnotations.TryRead(Path.Join(dir.FullName, "config.json"))));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
