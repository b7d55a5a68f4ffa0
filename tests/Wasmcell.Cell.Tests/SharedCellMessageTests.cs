using Wasmcell.Cell.Protocol;

namespace Wasmcell.Cell.Tests;

public sealed class SharedCellMessageTests
{
    [Fact]
    public void An_add_round_trips_with_its_binds_and_listeners()
    {
        var bytes = SharedCellMessage.EncodeAdd("c1", "/app.wasm", "serve", [new("/data", true), new("/cache", false)], listeners: 2);

        var (id, entry, function, binds, listeners) = SharedCellMessage.DecodeAdd(SharedCellMessage.Decode(bytes));

        Assert.Equal(("c1", "/app.wasm", "serve", 2), (id, entry, function, listeners));
        Assert.Equal([new SharedCellMessage.Bind("/data", true), new SharedCellMessage.Bind("/cache", false)], binds);
    }

    [Fact]
    public void An_exit_carries_the_code_and_then_the_usage_and_a_usage_reply_for_a_gone_container_carries_none()
    {
        var usage = new TenantUsage(1_500_000_000, 8 << 20, 9 << 20, 64 << 20, 12, 5, 300_000_000, 1);

        var exit = SharedCellMessage.Decode(SharedCellMessage.EncodeUsage(SharedCellMessage.Exit, "c1", usage, "137"));
        var gone = SharedCellMessage.Decode(SharedCellMessage.EncodeUsage(SharedCellMessage.Usage, "c2", null));

        Assert.Equal([SharedCellMessage.Exit, "c1", "137"], exit[..3]);
        Assert.Equal(usage, TenantUsage.Decode(exit, 3));
        Assert.Equal([SharedCellMessage.Usage, "c2"], gone);
        Assert.Null(TenantUsage.Decode(gone, 2));
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
    [InlineData("START\tc1\t/a.wasm\t\t0\t0")]
    [InlineData("ADD\tc1\t/a.wasm\t\t0")]
    [InlineData("ADD\tc1\t/a.wasm\t\t0\tx")]
    public void A_malformed_add_is_refused(string message)
    {
        Assert.Throws<InvalidDataException>(() => SharedCellMessage.DecodeAdd(message.Split('\t')));
    }
}
