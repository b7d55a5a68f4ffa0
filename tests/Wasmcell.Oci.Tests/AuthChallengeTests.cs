using Wasmcell.Oci.Registry;

namespace Wasmcell.Oci.Tests;

public sealed class AuthChallengeTests
{
    [Fact]
    public void Bearer_challenge_keeps_commas_inside_quoted_scope()
    {
        var challenge = AuthChallenge.Parse("""Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push" """)!;
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal("https://auth.example/token", challenge.Realm);
        Assert.Equal("registry.example", challenge.Parameters["service"]);
        Assert.Equal("repository:a/b:pull,push", challenge.Parameters["scope"]);
    }

    [Fact]
    public void Basic_challenge_and_unquoted_values()
    {
        var challenge = AuthChallenge.Parse("Basic realm=wasmcell-test, charset=\"UTF-8\"")!;
        Assert.Equal("Basic", challenge.Scheme);
        Assert.Equal("wasmcell-test", challenge.Realm);
        Assert.Equal("UTF-8", challenge.Parameters["charset"]);
    }

    [Fact]
    public void Empty_header_is_no_challenge()
    {
        Assert.Null(AuthChallenge.Parse(" "));
    }
}
