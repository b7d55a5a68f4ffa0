using System.Text;

namespace Wasmcell.Shim.Tests;

public sealed class Sha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void MatchesTheFipsExamples(string message, string expected) =>
        Assert.Equal(expected, Convert.ToHexStringLower(Sha256.HashData(Encoding.ASCII.GetBytes(message))));

    [Fact]
    public void Matches_dotnet_for_every_length_across_the_padding_boundaries()
    {
        // 55/56 and 63/64 bytes are where the length field moves to a second block.
        var random = new Random(7);
        for (var length = 0; length <= 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(data), Sha256.HashData(data));
        }
    }
}
