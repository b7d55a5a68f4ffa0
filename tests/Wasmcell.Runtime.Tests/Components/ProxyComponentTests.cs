using System.Text;
using Wasmcell.Runtime.Components.Http;

namespace Wasmcell.Runtime.Tests.Components;

/// <summary>hello-proxy.component.wasm served by the host's own wasi:http: one fresh store and instance per request.</summary>
public sealed class ProxyComponentTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private readonly List<string> _stdout = [], _stderr = [];

    private ProxyEnvironment Environment => new()
    {
        Env = ["GREETING=hi"],
        Stdout = b => { lock (_stdout) { _stdout.Add(Encoding.UTF8.GetString(b)); } },
        Stderr = b => { lock (_stderr) { _stderr.Add(Encoding.UTF8.GetString(b)); } },
    };

    [Fact]
    public void A_GET_gets_the_handlers_answer_with_its_status_and_headers()
    {
        var exchange = new InMemoryExchange("GET", "/some/path?q=1");

        var outcome = fixture.Proxy.Handle(exchange, Environment);

        Assert.Null(outcome.Failure);
        Assert.Equal(200, exchange.Status);
        Assert.Equal("hello from componentize-js: GET /some/path body=\n", exchange.ResponseText);
        Assert.Equal("text/plain", exchange.Header("content-type"));
        Assert.Equal("p2-proxy", exchange.Header("x-guest"));
        Assert.True(exchange.Ended);
        Assert.False(exchange.Aborted);
    }
}
