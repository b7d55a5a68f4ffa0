namespace Wasmcell.Runtime.Components.Http;

/// <summary>
/// The outgoing side of wasi:http/types, enough for a guest to build a request and be refused: a request's
/// method, target, scheme, authority and headers are kept, its body is refused, and
/// wasi:http/outgoing-handler.handle answers HTTP-request-denied. Outgoing requests are not made in this version,
/// whatever the socket policy (README "HTTP proxy components").
/// </summary>
internal static unsafe class OutgoingImports
{
    /// <summary>The functions of wasi:http/types for outgoing-request and request-options.</summary>
    public static readonly (string Name, HostFunction Function)[] TypesFunctions =
    [
        ("[constructor]outgoing-request", c => c.Return(c.Own(ResourceKind.OutgoingRequest, new OutgoingRequest(c.Take<Fields>(0, ResourceKind.Fields))))),
        // No body can be sent anywhere: refused at once rather than buffered.
        ("[method]outgoing-request.body", c => { Request(c); c.Return(ComponentVal.Err()); }),
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
        ("[method]request-options.connect-timeout", c => { Options(c); c.Return(ComponentVal.None()); }),
        ("[method]request-options.set-connect-timeout", c => { Options(c); c.Return(ComponentVal.Ok()); }),
        ("[method]request-options.first-byte-timeout", c => { Options(c); c.Return(ComponentVal.None()); }),
        ("[method]request-options.set-first-byte-timeout", c => { Options(c); c.Return(ComponentVal.Ok()); }),
        ("[method]request-options.between-bytes-timeout", c => { Options(c); c.Return(ComponentVal.None()); }),
        ("[method]request-options.set-between-bytes-timeout", c => { Options(c); c.Return(ComponentVal.Ok()); }),
    ];

    public static readonly ImportInterface OutgoingHandler = new("wasi:http/outgoing-handler", [],
        [("handle", c =>
        {
            c.Take<OutgoingRequest>(0, ResourceKind.OutgoingRequest);
            ref var options = ref c.Arg(1);
            if (options.Option is not null)
            {
                c.Take<RequestOptions>(ref *options.Option, ResourceKind.RequestOptions);
            }
            c.Return(ComponentVal.Err(HttpImports.ErrorCode("HTTP-request-denied")));
        })]);

    private static OutgoingRequest Request(HostCall c) => c.Borrow<OutgoingRequest>(0, ResourceKind.OutgoingRequest);

    private static RequestOptions Options(HostCall c) => c.Borrow<RequestOptions>(0, ResourceKind.RequestOptions);

    private static ComponentVal Optional(string? value) => value is null ? ComponentVal.None() : ComponentVal.Some(ComponentVal.OfString(value));

    private static string? OptionalString(ref ComponentVal option) => option.Option is null ? null : option.Option->String;

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
    }

    private sealed class RequestOptions;
}
