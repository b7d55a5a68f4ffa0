using Wasmcell.Cell.Protocol;

namespace Wasmcell.Cell.Tests;

public sealed class SharedCellMessageTests
{
    [Fact]
    public void An_add_round_trips_with_its_binds()
    {
        var bytes = SharedCellMessage.EncodeAdd("c1", "/app.wasm", "serve", [new("/data", true), new("/cache", false)]);

        var (id, entry, function, binds) = SharedCellMessage.DecodeAdd(SharedCellMessage.Decode(bytes));

        Assert.Equal(("c1", "/app.wasm", "serve"), (id, entry, function));
        Assert.Equal([new SharedCellMessage.Bind("/data", true), new SharedCellMessage.Bind("/cache", false)], binds);
    }

    [Fact]
    public void Tabs_and_newlines_in_a_field_cannot_forge_another_field()
    {
        var fields = SharedCellMessage.Decode(SharedCellMessage.Encode(SharedCellMessage.Error, "c1", "bad\tEXIT\t0\nmore"));

        Assert.Equal([SharedCellMessage.Error, "c1", "bad EXIT 0 more"], fields);
    }

    [Theory]
    [InlineData("ADD\tc1\t/a.wasm\t")]
    [InlineData("ADD\tc1\t/a.wasm\t\t1")]
    [InlineData("ADD\tc1\t/a.wasm\t\tx")]
    [InlineData("START\tc1\t/a.wasm\t\t0")]
    public void A_malformed_add_is_refused(string message)
    {
        Assert.Throws<InvalidDataException>(() => SharedCellMessage.DecodeAdd(message.Split('\t')));
    }
}
