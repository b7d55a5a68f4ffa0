using System.Buffers.Binary;
using Wasmcell.Wasi.Abi;
using Wasmcell.Wasi.Groups;
using Wasmcell.Wasi.Tests.Infrastructure;

namespace Wasmcell.Wasi.Tests;

/// <summary>
/// wasi_unstable (snapshot 0) layouts that differ from preview1, byte for byte: filestat (56 bytes,
/// nlink u32), whence (CUR=0, END=1, SET=2) and the clock subscription (extra u64 identifier).
/// </summary>
public sealed class UnstableLayoutTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly MaskedMemory _m;

    public UnstableLayoutTests()
    {
        File.WriteAllText(_dir["f"], "0123456789");
        var options = new WasiOptions();
        options.Preopens.Add(new Preopen(_dir.Path, "/", false));
        _m = new MaskedMemory(options);
    }

    public void Dispose()
    {
        _m.Dispose();
        _dir.Dispose();
    }

    private int OpenF()
    {
        _m.Memory.GetSpan(1000, 1)[0] = (byte)'f';
        Assert.Equal(Errno.Success, Groups.Path.PathOpen(_m.Host, 3, 0, 1000, 1, 0, (long)(Rights.FdRead | Rights.FdSeek | Rights.FdTell | Rights.FdFilestatGet), 0, 0, 1004));
        return (int)BinaryPrimitives.ReadUInt32LittleEndian(_m.Bytes(1004, 4));
    }

    [Theory]
    [InlineData(AbiVersionForTest.Unstable, 56)]
    [InlineData(AbiVersionForTest.Preview1, 64)]
    public void Filestat_layouts(AbiVersionForTest abi, int size)
    {
        int fd = OpenF();
        _m.Host.Abi = (AbiVersion)abi;
        Assert.Equal(Errno.Success, Fd.FdFilestatGet(_m.Host, fd, 2000));
        var b = _m.Bytes(2000, 72);
        Assert.Equal((byte)FileType.RegularFile, b[16]);
        if (abi == AbiVersionForTest.Unstable)
        {
            Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(20)));    // nlink u32
            Assert.Equal(10UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(24)));  // size
        }
        else
        {
            Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(24)));   // nlink u64
            Assert.Equal(10UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(32)));  // size
        }
        // mtim sits 16 bytes before the end in both layouts; .NET time has 100 ns ticks.
        var mtimeTicks = (ulong)(File.GetLastWriteTimeUtc(_dir["f"]) - DateTime.UnixEpoch).Ticks;
        Assert.Equal(mtimeTicks, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(size - 16)) / 100);
        Assert.All(b[size..], x => Assert.Equal((byte)'?', x));
    }

    [Theory]
    [InlineData(AbiVersionForTest.Unstable, 2, 1, 5)]   // SET
    [InlineData(AbiVersionForTest.Unstable, 0, 1, 1)]   // CUR from 0
    [InlineData(AbiVersionForTest.Unstable, 1, -1, 9)]  // END
    [InlineData(AbiVersionForTest.Preview1, 0, 1, 5)]   // SET
    [InlineData(AbiVersionForTest.Preview1, 1, 1, 1)]   // CUR
    [InlineData(AbiVersionForTest.Preview1, 2, -1, 9)]  // END
    public void Whence_values(AbiVersionForTest abi, int whence, int sign, int expected)
    {
        int fd = OpenF();
        _m.Host.Abi = (AbiVersion)abi;
        long offset = expected == 5 ? 5 : sign;
        Assert.Equal(Errno.Success, Fd.FdSeek(_m.Host, fd, offset, whence, 3000));
        Assert.Equal((ulong)expected, BinaryPrimitives.ReadUInt64LittleEndian(_m.Bytes(3000, 8)));
        Assert.Equal(Errno.Inval, Fd.FdSeek(_m.Host, fd, 0, 3, 3000));
    }

    [Fact]
    public void Unstable_clock_subscription_has_an_identifier_before_the_clock_id()
    {
        _m.Host.Abi = AbiVersion.Unstable;
        var sub = _m.Memory.GetSpan(4000, 56);
        sub.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(sub, 0xABCDEF);     // userdata
        sub[8] = 0;                                                   // clock
        BinaryPrimitives.WriteUInt64LittleEndian(sub[16..], 77);      // identifier (snapshot 0 only)
        BinaryPrimitives.WriteUInt32LittleEndian(sub[24..], 1);       // monotonic
        BinaryPrimitives.WriteUInt64LittleEndian(sub[32..], 1000);    // 1 µs
        Assert.Equal(Errno.Success, Poll.PollOneoff(_m.Host, 4000, 5000, 1, 6000));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(_m.Bytes(6000, 4)));
        var ev = _m.Bytes(5000, 40);
        Assert.Equal(0xABCDEFUL, BinaryPrimitives.ReadUInt64LittleEndian(ev));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(ev.AsSpan(8)));  // errno
        Assert.Equal(0, ev[10]);                                                 // clock event
        Assert.All(ev[32..], x => Assert.Equal((byte)'?', x));
    }

    /// <summary>Public mirror of the internal AbiVersion for theory data.</summary>
    public enum AbiVersionForTest { Unstable = 0, Preview1 = 1 }
}
