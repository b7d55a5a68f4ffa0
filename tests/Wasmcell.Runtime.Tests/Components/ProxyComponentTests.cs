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
        Assert.True(outcome.Timing.Instantiate > TimeSpan.Zero);
        Assert.InRange(outcome.Timing.Host, TimeSpan.FromTicks(1), outcome.Timing.Handle);
    }

    [Fact]
    public void A_stopped_proxy_s_guest_traps_at_its_first_host_call_and_never_answers()
    {
        // Stopping bumps the epoch once; a store made after that has its deadline past the bump, so only the host
        // calls stand between a stopped guest and a reply (a woken guest must not answer a cancelled upstream as 502).
        using var proxy = fixture.Load();
        proxy.Stop();
        var exchange = new InMemoryExchange("GET", "/after-stop");

        var outcome = proxy.Handle(exchange, Environment);

        Assert.Contains("the guest was stopped", outcome.Failure);
        Assert.Equal(500, exchange.Status);
        Assert.DoesNotContain("hello from componentize-js", exchange.ResponseText);
    }

    [Fact]
    public void A_POST_body_is_read_in_bounded_chunks_and_echoed()
    {
        var body = Encoding.ASCII.GetBytes(new string('q', 300_000));
        var exchange = new InMemoryExchange("POST", "/p", body, ("Content-Type", "text/plain"));

        var outcome = fixture.Proxy.Handle(exchange, Environment);

        Assert.Null(outcome.Failure);
        Assert.Equal($"hello from componentize-js: POST /p body={new string('q', 300_000)}\n", exchange.ResponseText);
        Assert.InRange(exchange.LargestRead, 1, IoImports.ChunkBytes);
    }

    [Fact]
    public void A_handler_that_never_touches_the_body_answers_200_with_an_empty_one()
    {
        using var trivial = Assert.IsType<ProxyComponent>(Runtime.Components.ComponentLoader.Load(fixture.Engine, "/trivial.wasm", TestComponents.TrivialProxy()));
        var exchange = new InMemoryExchange("GET", "/");

        var outcome = trivial.Handle(exchange, Environment);

        Assert.Null(outcome.Failure);
        Assert.Equal(200, exchange.Status);
        Assert.Equal(0, exchange.ContentLength);
        Assert.Empty(exchange.ResponseBody);
        Assert.True(exchange.Ended);
    }

    [Fact]
    public void A_trap_before_the_response_answers_500_and_reports_the_trap()
    {
        using var trapping = Assert.IsType<ProxyComponent>(Runtime.Components.ComponentLoader.Load(fixture.Engine, "/trap.wasm", TestComponents.Proxy("unreachable")));
        var exchange = new InMemoryExchange("GET", "/");

        var outcome = trapping.Handle(exchange, Environment);

        Assert.Equal(500, exchange.Status);
        Assert.Equal(500, outcome.Status);
        Assert.StartsWith("wasm trap", outcome.Failure);
        Assert.Contains("unreachable", outcome.Failure);
        Assert.True(exchange.Ended);
    }

    [Fact]
    public void A_handler_that_sets_no_response_answers_500()
    {
        using var silent = Assert.IsType<ProxyComponent>(Runtime.Components.ComponentLoader.Load(fixture.Engine, "/silent.wasm", TestComponents.Proxy("")));
        var exchange = new InMemoryExchange("GET", "/");

        var outcome = silent.Handle(exchange, Environment);

        Assert.Equal(500, exchange.Status);
        Assert.Contains("without setting a response", outcome.Failure);
    }

    [Fact]
    public void Every_import_of_the_JS_component_is_one_the_host_defines()
    {
        var imports = Runtime.Components.ComponentExports.ImportNames(fixture.Engine.Engine, fixture.Proxy.Component);

        Assert.Contains("wasi:http/types@0.2.10", imports);
        Assert.Contains("wasi:io/streams@0.2.12", imports);
        // filesystem/types and terminal-input/-output only carry types the host never hands out: trap stubs.
        var undefined = imports.Where(i => !ProxyLinker.Defines(i)).ToList();
        Assert.Equal(["wasi:cli/terminal-input@0.2.12", "wasi:cli/terminal-output@0.2.12", "wasi:filesystem/types@0.2.12"], undefined.Order());
    }
}
