using Containerd.Task.V2;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Wasmcell.Shim.Tests;

public sealed class DeleteReplyTests
{
    public static TheoryData<uint, uint, long> Cases => new()
    {
        { 0, 0, 0 },
        { 123, 137, 1_795_766_881_775_867_912 / 100 },     // ticks after the epoch, with a sub-second part
        { 4_000_000_000, 255, 17_957_668_810_000_000 },     // whole seconds: nanos left out
        { 7, 143, -12_345_678_901 },                          // before 1970: negative seconds, positive nanos
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encodes_the_bytes_google_protobuf_writes(uint pid, uint exitStatus, long ticksSinceEpoch)
    {
        var at = DateTimeOffset.UnixEpoch.AddTicks(ticksSinceEpoch);
        var expected = new DeleteResponse { Pid = pid, ExitStatus = exitStatus, ExitedAt = Timestamp.FromDateTimeOffset(at) }.ToByteArray();

        var encoded = DeleteReply.Encode(pid, exitStatus, at);

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(encoded));
        var decoded = DeleteResponse.Parser.ParseFrom(encoded);
        Assert.Equal(at, decoded.ExitedAt.ToDateTimeOffset());
    }

    [Fact]
    public void A_cleaned_bundle_is_recognised_and_a_missing_exit_reads_as_killed()
    {
        var bundle = Directory.CreateTempSubdirectory("wc-delete-").FullName;
        try
        {
            Assert.False(DeleteReply.IsCleaned(bundle));
            File.WriteAllText(Path.Join(bundle, BundleFiles.Cleaned), "");
            Assert.True(DeleteReply.IsCleaned(bundle));
            File.WriteAllText(Path.Join(bundle, BundleFiles.InitPid), "42\n");
            Assert.Equal(42, DeleteReply.ReadInt(Path.Join(bundle, BundleFiles.InitPid)));
            Assert.Equal(0, DeleteReply.ReadInt(Path.Join(bundle, "missing")));
        }
        finally
        {
            Directory.Delete(bundle, recursive: true);
        }
    }
}
