

namespace Wasmcell.Runtime.Components.Http;

/// <summary>
/// wasi:http/types for serving: the incoming request (method, target, authority, headers, body stream), the
/// response the guest builds (status, headers, body stream) and sets on its outparam. Outgoing requests and their
/// responses: <see cref="OutgoingImports"/>.
/// </summary>
internal static unsafe class HttpImports
{
    public static readonly ImportInterface Types = new("wasi:http/types",
        [
            ("fields", ResourceKind.Fields), ("incoming-request", ResourceKind.IncomingRequest),
            ("outgoing-request", ResourceKind.OutgoingRequest), ("request-options", ResourceKind.RequestOptions),
            ("response-outparam", ResourceKind.ResponseOutparam), ("incoming-response", ResourceKind.IncomingResponse),
            ("incoming-body", ResourceKind.IncomingBody), ("future-trailers", ResourceKind.FutureTrailers),
            ("outgoing-response", ResourceKind.OutgoingResponse), ("outgoing-body", ResourceKind.OutgoingBody),
            ("future-incoming-response", ResourceKind.FutureIncomingResponse),
        ],
        [
            ("[constructor]fields", c => c.Return(c.Own(ResourceKind.Fields, new Fields()))),
            ("[static]fields.from-list", FieldsFromList),
            ("[method]fields.get", FieldsGet),
            ("[method]fields.has", FieldsHas),
            ("[method]fields.set", FieldsSet),
            ("[method]fields.delete", FieldsDelete),
            ("[method]fields.append", FieldsAppend),
            ("[method]fields.entries", c => c.Return(EntriesOf(SelfFields(c)))),
            ("[method]fields.clone", c => c.Return(c.Own(ResourceKind.Fields, SelfFields(c).Clone()))),

            ("[method]incoming-request.method", c => c.Return(Method(Request(c).Exchange.Method))),
            ("[method]incoming-request.path-with-query", c => c.Return(ComponentVal.Some(ComponentVal.OfString(Request(c).Exchange.PathWithQuery)))),
            ("[method]incoming-request.scheme", c => c.Return(ComponentVal.Some(Scheme(Request(c).Exchange.Scheme)))),
            ("[method]incoming-request.authority", c => c.Return(Request(c).Exchange.Authority is { } a ? ComponentVal.Some(ComponentVal.OfString(a)) : ComponentVal.None())),
            ("[method]incoming-request.headers", c => c.Return(c.Own(ResourceKind.Fields, Fields.From(Request(c).Headers.Entries, immutable: true)))),
            ("[method]incoming-request.consume", Consume),

            ("[method]incoming-body.stream", IncomingBodyStream),
            ("[static]incoming-body.finish", c =>
            {
                c.Take<IncomingBody>(0, ResourceKind.IncomingBody);
                c.Return(c.Own(ResourceKind.FutureTrailers, new FutureTrailers()));
            }),
            ("[method]future-trailers.subscribe", c =>
            {
                c.Borrow<FutureTrailers>(0, ResourceKind.FutureTrailers);
                c.Return(c.Own(ResourceKind.Pollable, Pollable.Ready()));
            }),
            // Request trailers are not passed on: the answer is "ready, no trailers".
            ("[method]future-trailers.get", c =>
            {
                c.Borrow<FutureTrailers>(0, ResourceKind.FutureTrailers);
                c.Return(ComponentVal.Some(ComponentVal.Ok(ComponentVal.Ok(ComponentVal.None()))));
            }),

            ("[static]response-outparam.set", SetResponse),
            ("[method]response-outparam.send-informational", c =>
            {
                c.Borrow<ResponseOutparam>(0, ResourceKind.ResponseOutparam);
                c.Take<Fields>(2, ResourceKind.Fields);
                c.Return(ComponentVal.Err(ErrorCode("HTTP-protocol-error")));
            }),

            ("[constructor]outgoing-response", c => c.Return(c.Own(ResourceKind.OutgoingResponse, new OutgoingResponse(MutableCopy(c.Take<Fields>(0, ResourceKind.Fields)))))),
            ("[method]outgoing-response.status-code", c => c.Return(ComponentVal.OfU16(Response(c).Status))),
            ("[method]outgoing-response.set-status-code", SetStatus),
            ("[method]outgoing-response.headers", c => c.Return(c.Own(ResourceKind.Fields, Response(c).Headers))),
            ("[method]outgoing-response.body", ResponseBody),

            ("[method]outgoing-body.write", OutgoingBodyWrite),
            ("[static]outgoing-body.finish", FinishBody),

            .. OutgoingImports.TypesFunctions,

            ("http-error-code", c => c.Return(c.Borrow<IoError>(0, ResourceKind.IoError).Code is { } code ? ComponentVal.Some(code.ToVal()) : ComponentVal.None())),
        ]);

    private static Fields SelfFields(HostCall c) => c.Borrow<Fields>(0, ResourceKind.Fields);

    private static IncomingRequest Request(HostCall c) => c.Borrow<IncomingRequest>(0, ResourceKind.IncomingRequest);

    private static OutgoingResponse Response(HostCall c) => c.Borrow<OutgoingResponse>(0, ResourceKind.OutgoingResponse);

    /// <summary>Field names compare case-insensitively (RFC 9110); they are kept in lower case.</summary>
    private static string Name(HostCall c, int i) => c.Arg(i).String.ToLowerInvariant();

    // outgoing-response's constructor takes its headers; the guest may still change them through headers().
    private static Fields MutableCopy(Fields f) => f.Immutable ? f.Clone() : f;

    private static void FieldsFromList(HostCall c)
    {
        ref var list = ref c.Arg(0);
        var fields = new Fields();
        for (var i = 0; i < list.Count; i++)
        {
            ref var entry = ref list.Element(i);
            var name = entry.Element(0).String.ToLowerInvariant();
            var value = entry.Element(1).Bytes();
            if (!Fields.IsValidName(name) || !Fields.IsValidValue(value))
            {
                c.Return(ComponentVal.Err(ComponentVal.Variant("invalid-syntax")));
                return;
            }
            fields.Entries.Add(new(name, value));
        }
        c.Return(fields.Entries.Count > Fields.MaxEntries ? ComponentVal.Err(ComponentVal.Variant("forbidden")) : ComponentVal.Ok(c.Own(ResourceKind.Fields, fields)));
    }

    private static void FieldsHas(HostCall c)
    {
        var fields = SelfFields(c);
        var name = Name(c, 1);
        c.Return(ComponentVal.OfBool(fields.Entries.Any(e => e.Key == name)));
    }

    private static void FieldsGet(HostCall c)
    {
        var fields = SelfFields(c);
        var name = Name(c, 1);
        c.Return(ComponentVal.OfList([.. fields.Entries.Where(e => e.Key == name).Select(e => ComponentVal.OfBytes(e.Value))]));
    }

    private static void FieldsSet(HostCall c)
    {
        var fields = SelfFields(c);
        var name = Name(c, 1);
        ref var values = ref c.Arg(2);
        var bytes = new List<byte[]>();
        for (var i = 0; i < values.Count; i++)
        {
            bytes.Add(values.Element(i).Bytes());
        }
        if (Refused(fields, name, bytes, out var error))
        {
            c.Return(error);
            return;
        }
        fields.Entries.RemoveAll(e => e.Key == name);
        fields.Entries.AddRange(bytes.Select(b => new KeyValuePair<string, byte[]>(name, b)));
        c.Return(ComponentVal.Ok());
    }

    private static void FieldsDelete(HostCall c)
    {
        var fields = SelfFields(c);
        var name = Name(c, 1);
        if (Refused(fields, name, [], out var error))
        {
            c.Return(error);
            return;
        }
        fields.Entries.RemoveAll(e => e.Key == name);
        c.Return(ComponentVal.Ok());
    }

    private static void FieldsAppend(HostCall c)
    {
        var fields = SelfFields(c);
        var name = Name(c, 1);
        var value = c.Arg(2).Bytes();
        if (Refused(fields, name, [value], out var error))
        {
            c.Return(error);
            return;
        }
        fields.Entries.Add(new(name, value));
        c.Return(ComponentVal.Ok());
    }

    private static bool Refused(Fields fields, string name, List<byte[]> values, out ComponentVal error)
    {
        error = fields.Immutable ? ComponentVal.Err(ComponentVal.Variant("immutable"))
            : !Fields.IsValidName(name) || values.Any(v => !Fields.IsValidValue(v)) ? ComponentVal.Err(ComponentVal.Variant("invalid-syntax"))
            : fields.Entries.Count + values.Count > Fields.MaxEntries ? ComponentVal.Err(ComponentVal.Variant("forbidden"))
            : default;
        return error.Kind == ValKind.Result;
    }

    private static ComponentVal EntriesOf(Fields fields) =>
        ComponentVal.OfList([.. fields.Entries.Select(e => ComponentVal.Tuple(ComponentVal.OfString(e.Key), ComponentVal.OfBytes(e.Value)))]);

    public static ComponentVal Method(string method) => method switch
    {
        "GET" => ComponentVal.Variant("get"),
        "HEAD" => ComponentVal.Variant("head"),
        "POST" => ComponentVal.Variant("post"),
        "PUT" => ComponentVal.Variant("put"),
        "DELETE" => ComponentVal.Variant("delete"),
        "CONNECT" => ComponentVal.Variant("connect"),
        "OPTIONS" => ComponentVal.Variant("options"),
        "TRACE" => ComponentVal.Variant("trace"),
        "PATCH" => ComponentVal.Variant("patch"),
        _ => ComponentVal.Variant("other", ComponentVal.OfString(method)),
    };

    public static ComponentVal Scheme(string scheme) => scheme switch
    {
        "http" => ComponentVal.Variant("HTTP"),
        "https" => ComponentVal.Variant("HTTPS"),
        _ => ComponentVal.Variant("other", ComponentVal.OfString(scheme)),
    };

    /// <summary>An error-code case without a payload, or internal-error(none).</summary>
    public static ComponentVal ErrorCode(string caseName) =>
        caseName == "internal-error" ? ComponentVal.Variant(caseName, ComponentVal.None()) : ComponentVal.Variant(caseName);

    private static void Consume(HostCall c)
    {
        var request = Request(c);
        if (request.Consumed)
        {
            c.Return(ComponentVal.Err());
            return;
        }
        request.Consumed = true;
        c.Return(ComponentVal.Ok(c.Own(ResourceKind.IncomingBody, new IncomingBody(new RequestBodyStream(request.Exchange)))));
    }

    private static void IncomingBodyStream(HostCall c)
    {
        var body = c.Borrow<IncomingBody>(0, ResourceKind.IncomingBody);
        if (body.StreamTaken)
        {
            c.Return(ComponentVal.Err());
            return;
        }
        body.StreamTaken = true;
        c.Return(ComponentVal.Ok(c.Own(ResourceKind.InputStream, body.Stream)));
    }

    private static void SetStatus(HostCall c)
    {
        var response = Response(c);
        var status = (ushort)c.Arg(1).U32;
        if (status is < 100 or > 599)
        {
            c.Return(ComponentVal.Err());
            return;
        }
        response.Status = status;
        c.Return(ComponentVal.Ok());
    }

    private static void ResponseBody(HostCall c)
    {
        var response = Response(c);
        if (response.BodyTaken)
        {
            c.Return(ComponentVal.Err());
            return;
        }
        response.BodyTaken = true;
        response.Body ??= new OutgoingBody(response);
        if (response.SetOn is { } exchange)
        {
            // Set before its body was asked for: the head goes out now, the body streams after it.
            response.Body.Attach(exchange, response.Headers.Entries);
        }
        c.Return(ComponentVal.Ok(c.Own(ResourceKind.OutgoingBody, response.Body)));
    }

    private static void OutgoingBodyWrite(HostCall c)
    {
        var body = c.Borrow<BodySink>(0, ResourceKind.OutgoingBody);
        if (body.StreamTaken)
        {
            c.Return(ComponentVal.Err());
            return;
        }
        body.StreamTaken = true;
        c.Return(ComponentVal.Ok(c.Own(ResourceKind.OutputStream, new BodySinkStream(body))));
    }

    private static void FinishBody(HostCall c)
    {
        var body = c.Take<BodySink>(0, ResourceKind.OutgoingBody);
        ref var trailers = ref c.Arg(1);
        if (trailers.Option is not null)
        {
            // Trailers are not sent (HTTP/1.1 chunked trailers are rarely read); the handle is released.
            c.Take<Fields>(ref *trailers.Option, ResourceKind.Fields);
        }
        try
        {
            body.Finish();
            c.Return(ComponentVal.Ok());
        }
        catch (HttpErrorException e)
        {
            c.Return(ComponentVal.Err(e.Code.ToVal()));
        }
        catch (IOException)
        {
            c.Return(ComponentVal.Err(ErrorCode("connection-terminated")));
        }
    }

    private static void SetResponse(HostCall c)
    {
        c.Take<ResponseOutparam>(0, ResourceKind.ResponseOutparam);
        var state = c.State;
        if (state.ResponseSet)
        {
            throw new InvalidOperationException("response-outparam.set called twice");
        }
        state.ResponseSet = true;
        ref var result = ref c.Arg(1);
        if (result.ResultIsOk == 0)
        {
            state.ResponseError = result.ResultPayload is null ? "unknown" : result.ResultPayload->CaseName;
            return;
        }
        var response = c.Take<OutgoingResponse>(ref *result.ResultPayload, ResourceKind.OutgoingResponse);
        state.Response = response;
        response.SetOn = state.Exchange;
        if (response.BodyTaken)
        {
            response.Body!.Attach(state.Exchange, response.Headers.Entries);
        }
        // Otherwise the head waits for body() or the handler's return: a body never asked for is empty and goes out
        // with content-length: 0.
    }
}
