using System.Text;
using Wasmcell.Runtime.Components.Http.Client;

namespace Wasmcell.Runtime.Components.Http;

/// <summary>
/// The outgoing side of wasi:http: outgoing-request and its body, request-options, wasi:http/outgoing-handler.handle,
/// and the future-incoming-response and incoming-response it answers with. When the proxy's environment allows
/// outgoing requests (<see cref="ProxyEnvironment.AllowOutgoingRequests"/>: the container's socket policy), handle
/// makes the request over HTTP/1.1, or HTTP/1.1 over TLS for https (<see cref="OutgoingCall"/>); otherwise it answers
/// HTTP-request-denied and says why on the container's stderr (README "HTTP proxy components").
/// </summary>
internal static unsafe class OutgoingImports
{
    /// <summary>Connections one request may have open at once; more get connection-limit-reached.</summary>
    public const int MaxOpenPerRequest = 32;

    /// <summary>Fields the host writes itself (wasi:http's forbidden headers): a request carrying one is refused.</summary>
    private static readonly HashSet<string> Forbidden = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "http2-settings", "te"];

    /// <summary>The functions of wasi:http/types for outgoing-request, request-options and the response side of a request.</summary>
    public static readonly (string Name, HostFunction Function)[] TypesFunctions =
    [
        ("[constructor]outgoing-request", c => c.Return(c.Own(ResourceKind.OutgoingRequest, new OutgoingRequest(c.Take<Fields>(0, ResourceKind.Fields))))),
        ("[method]outgoing-request.body", RequestBody),
        ("[method]outgoing-request.method", c => c.Return(HttpImports.Method(Request(c).Method))),
        ("[method]outgoing-request.set-method", c => { Request(c).Method = MethodName(ref c.Arg(1)); c.Return(ComponentVal.Ok()); }),
        ("[method]outgoing-request.path-with-query", c => c.Return(Optional(Request(c).PathWithQuery))),
        ("[method]outgoing-request.set-path-with-query", c => { Request(c).PathWithQuery = OptionalString(ref c.Arg(1)); c.Return(ComponentVal.Ok()); }),
        ("[method]outgoing-request.scheme", c => c.Return(Request(c).Scheme is { } s ? ComponentVal.Some(HttpImports.Scheme(s)) : ComponentVal.None())),
        ("[method]outgoing-request.set-scheme", c => { Request(c).Scheme = OptionalScheme(ref c.Arg(1)); c.Return(ComponentVal.Ok()); }),
        ("[method]outgoing-request.authority", c => c.Return(Optional(Request(c).Authority))),
        ("[method]outgoing-request.set-authority", c => { Request(c).Authority = OptionalString(ref c.Arg(1)); c.Return(ComponentVal.Ok()); }),
        ("[method]outgoing-request.headers", c => c.Return(c.Own(ResourceKind.Fields, Request(c).Headers))),

        ("[constructor]request-options", c => c.Return(c.Own(ResourceKind.RequestOptions, new RequestOptions()))),
        ("[method]request-options.connect-timeout", c => c.Return(Duration(Options(c).Connect))),
        ("[method]request-options.set-connect-timeout", c => { Options(c).Connect = OptionalDuration(ref c.Arg(1)); c.Return(ComponentVal.Ok()); }),
        ("[method]request-options.first-byte-timeout", c => c.Return(Duration(Options(c).FirstByte))),
        ("[method]request-options.set-first-byte-timeout", c => { Options(c).FirstByte = OptionalDuration(ref c.Arg(1)); c.Return(ComponentVal.Ok()); }),
        ("[method]request-options.between-bytes-timeout", c => c.Return(Duration(Options(c).BetweenBytes))),
        ("[method]request-options.set-between-bytes-timeout", c => { Options(c).BetweenBytes = OptionalDuration(ref c.Arg(1)); c.Return(ComponentVal.Ok()); }),

        ("[method]future-incoming-response.subscribe", c =>
            c.Return(c.Own(ResourceKind.Pollable, Pollable.When(c.Borrow<FutureResponse>(0, ResourceKind.FutureIncomingResponse).Call.Response)))),
        ("[method]future-incoming-response.get", FutureGet),
        ("[method]incoming-response.status", c => c.Return(ComponentVal.OfU16((ushort)Response(c).Head.Status))),
        ("[method]incoming-response.headers", c => c.Return(c.Own(ResourceKind.Fields, Fields.From(Response(c).Head.Headers, immutable: true)))),
        ("[method]incoming-response.consume", Consume),
    ];

    public static readonly ImportInterface OutgoingHandler = new("wasi:http/outgoing-handler", [], [("handle", Handle)]);

    private static OutgoingRequest Request(HostCall c) => c.Borrow<OutgoingRequest>(0, ResourceKind.OutgoingRequest);

    private static RequestOptions Options(HostCall c) => c.Borrow<RequestOptions>(0, ResourceKind.RequestOptions);

    private static IncomingResponse Response(HostCall c) => c.Borrow<IncomingResponse>(0, ResourceKind.IncomingResponse);

    private static void RequestBody(HostCall c)
    {
        var request = Request(c);
        if (request.Body is not null)
        {
            c.Return(ComponentVal.Err());
            return;
        }
        request.Body = new OutgoingRequestBody();
        c.Return(ComponentVal.Ok(c.Own(ResourceKind.OutgoingBody, request.Body)));
    }

    private static void Handle(HostCall c)
    {
        var request = c.Take<OutgoingRequest>(0, ResourceKind.OutgoingRequest);
        var options = new RequestOptions();
        ref var given = ref c.Arg(1);
        if (given.Option is not null)
        {
            options = c.Take<RequestOptions>(ref *given.Option, ResourceKind.RequestOptions);
        }
        var state = c.State;
        if (Check(state, request) is { } refusal)
        {
            state.Environment.Stderr(Encoding.UTF8.GetBytes($"outgoing request {request.Describe()}: {refusal.Code} - {refusal.Message}\n"));
            c.Return(ComponentVal.Err(refusal.Code.ToVal()));
            return;
        }
        var target = request.Target();
        var call = OutgoingCall.Start(target, options.Apply(), request.Body, state.Stopping, state.Environment.TrustedRoots);
        state.Outgoing.RemoveAll(o => o is OutgoingCall { Closed: true });
        state.Outgoing.Add(call);
        c.Return(ComponentVal.Ok(c.Own(ResourceKind.FutureIncomingResponse, new FutureResponse(call))));
    }

    /// <summary>Why the request cannot be made (policy, scheme, a malformed part, a forbidden header), or null.</summary>
    private static HttpErrorException? Check(ProxyRequestState state, OutgoingRequest request)
    {
        if (!state.Environment.AllowOutgoingRequests)
        {
            return Refused("HTTP-request-denied", "this container may not open sockets (its socket policy, README \"Networking\"; wasmcell run: --allow-sockets)");
        }
        if (request.Scheme is not (null or "http" or "https"))
        {
            return Refused("HTTP-request-URI-invalid", $"scheme '{request.Scheme}' is not http or https");
        }
        if (request.Authority is not { Length: > 0 } authority || !AuthorityParts.TryParse(authority, out _, out _))
        {
            return Refused("HTTP-request-URI-invalid", $"authority '{request.Authority}' is not host[:port]");
        }
        if (request.PathWithQuery is { } path && (path.Length == 0 || path[0] != '/' || path.Any(ch => ch <= ' ' || ch >= 0x7f)))
        {
            return Refused("HTTP-request-URI-invalid", $"path-with-query '{path}' is not an origin-form target");
        }
        if (request.Method.Length == 0 || !Fields.IsValidName(request.Method))
        {
            return Refused("HTTP-request-method-invalid", $"method '{request.Method}'");
        }
        if (request.Headers.Entries.FirstOrDefault(h => Forbidden.Contains(h.Key)) is { Key: { } name })
        {
            return Refused("HTTP-request-denied", $"header '{name}' is the host's to set");
        }
        return state.Outgoing.Count(o => o is OutgoingCall { Closed: false }) >= MaxOpenPerRequest
            ? Refused("connection-limit-reached", $"{MaxOpenPerRequest} outgoing requests of this request are open")
            : null;
    }

    private static HttpErrorException Refused(string code, string why) => new(new HttpError(code), why);

    private static void FutureGet(HostCall c)
    {
        var future = c.Borrow<FutureResponse>(0, ResourceKind.FutureIncomingResponse);
        var task = future.Call.Response;
        if (!task.IsCompleted)
        {
            c.Return(ComponentVal.None());
            return;
        }
        if (future.Taken)
        {
            c.Return(ComponentVal.Some(ComponentVal.Err()));
            return;
        }
        future.Taken = true;
        if (task.IsCompletedSuccessfully)
        {
            var response = new IncomingResponse(future.Call, task.Result);
            c.Return(ComponentVal.Some(ComponentVal.Ok(ComponentVal.Ok(c.Own(ResourceKind.IncomingResponse, response)))));
            return;
        }
        var error = task.Exception?.InnerException as HttpErrorException ?? new HttpErrorException(new HttpError("internal-error", "the request failed"), "failed");
        if (!c.State.Stopping.IsCancellationRequested)
        {
            c.State.Environment.Stderr(Encoding.UTF8.GetBytes($"outgoing request {future.Call.Target}: {error.Code} - {error.Message}\n"));
        }
        c.Return(ComponentVal.Some(ComponentVal.Ok(ComponentVal.Err(error.Code.ToVal()))));
    }

    private static void Consume(HostCall c)
    {
        var response = Response(c);
        if (response.Consumed)
        {
            c.Return(ComponentVal.Err());
            return;
        }
        response.Consumed = true;
        var stream = new ResponseBodyInput(response.Call, response.Head.Body, c.State.Stopping);
        c.Return(ComponentVal.Ok(c.Own(ResourceKind.IncomingBody, new IncomingBody(stream))));
    }

    private static ComponentVal Optional(string? value) => value is null ? ComponentVal.None() : ComponentVal.Some(ComponentVal.OfString(value));

    private static string? OptionalString(ref ComponentVal option) => option.Option is null ? null : option.Option->String;

    private static ComponentVal Duration(TimeSpan? value) => value is { } t ? ComponentVal.Some(ComponentVal.OfU64((ulong)(t.Ticks * 100))) : ComponentVal.None();

    /// <summary>A wasi:clocks duration (nanoseconds), or none: the host's default.</summary>
    private static TimeSpan? OptionalDuration(ref ComponentVal option) =>
        option.Option is null ? null : TimeSpan.FromTicks((long)Math.Min(option.Option->U64 / 100, (ulong)TimeSpan.MaxValue.Ticks / 2));

    private static string? OptionalScheme(ref ComponentVal option) => option.Option is null ? null : option.Option->CaseName switch
    {
        "HTTP" => "http",
        "HTTPS" => "https",
        _ => option.Option->VariantPayload->String,
    };

    private static string MethodName(ref ComponentVal method) =>
        method.CaseName == "other" ? method.VariantPayload->String : method.CaseName.ToUpperInvariant();

    private sealed class OutgoingRequest(Fields headers)
    {
        public Fields Headers { get; } = headers;

        public string Method { get; set; } = "GET";

        public string? PathWithQuery { get; set; }

        public string? Scheme { get; set; }

        public string? Authority { get; set; }

        public OutgoingRequestBody? Body { get; set; }

        public string Describe() => $"{Method} {Scheme ?? "http"}://{Authority}{PathWithQuery}";

        public OutgoingTarget Target()
        {
            var https = Scheme == "https";
            AuthorityParts.TryParse(this.Authority!, out var host, out var port, https ? 443 : 80);
            return new OutgoingTarget(Method, host, port, this.Authority!, PathWithQuery ?? "/",
                [.. Headers.Entries.Select(e => new KeyValuePair<string, byte[]>(e.Key, e.Value))], https);
        }
    }

    private sealed class RequestOptions
    {
        public TimeSpan? Connect { get; set; }

        public TimeSpan? FirstByte { get; set; }

        public TimeSpan? BetweenBytes { get; set; }

        public OutgoingTimeouts Apply() => new(Connect ?? OutgoingTimeouts.DefaultConnect, FirstByte ?? OutgoingTimeouts.DefaultFirstByte,
            BetweenBytes ?? OutgoingTimeouts.DefaultBetweenBytes);
    }

    /// <summary>Dropped before its response was taken: nobody will read it, the connection closes.</summary>
    private sealed class FutureResponse(OutgoingCall call) : IDisposable
    {
        public OutgoingCall Call { get; } = call;

        /// <summary>get hands the response (or its error) out once; later calls answer err.</summary>
        public bool Taken { get; set; }

        public void Dispose()
        {
            if (!Taken)
            {
                Call.Dispose();
            }
        }
    }

    /// <summary>Dropped without its body consumed: the connection closes (its body stream closes it otherwise).</summary>
    private sealed class IncomingResponse(OutgoingCall call, ResponseHead head) : IDisposable
    {
        public OutgoingCall Call { get; } = call;

        public ResponseHead Head { get; } = head;

        public bool Consumed { get; set; }

        public void Dispose()
        {
            if (!Consumed)
            {
                Call.Dispose();
            }
        }
    }
}

/// <summary>An authority, host[:port] or [v6]:port, split for connecting (the scheme's default port when absent).</summary>
internal static class AuthorityParts
{
    public static bool TryParse(string authority, out string host, out int port, int defaultPort = 80)
    {
        port = defaultPort;
        host = authority;
        if (authority.Contains('@') || authority.Any(ch => ch <= ' ' || ch >= 0x7f || ch is '/' or '?' or '#'))
        {
            return false;
        }
        string portText;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (close < 0)
            {
                return false;
            }
            host = authority[1..close];
            portText = authority[(close + 1)..];
            if (portText.Length > 0 && portText[0] != ':')
            {
                return false;
            }
            portText = portText.Length > 0 ? portText[1..] : "";
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            portText = colon < 0 ? "" : authority[(colon + 1)..];
            if (host.Contains(':'))
            {
                return false;
            }
        }
        if (portText.Length > 0 && (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            return false;
        }
        return host.Length > 0;
    }
}
