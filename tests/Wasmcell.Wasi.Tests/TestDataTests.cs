namespace Wasmcell.Wasi.Tests;

/// <summary>The one test that says what is wrong when the third-party corpora are not where the tests look.</summary>
public sealed class TestDataTests
{
    [Fact]
    public void Third_party_test_data_is_present() => TestData.Require();
}
