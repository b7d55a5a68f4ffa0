namespace Wasmcell.Runtime.Components.Http;

/// <summary>
/// A wasi:http error-code: its case, with the payload shape the cases that carry one need (Wasmtime checks a host
/// function's results against the import's types), and a detail for the container's stderr.
/// </summary>
internal readonly record struct HttpError(string Case, string? Detail = null)
{
    public ComponentVal ToVal() => Case switch
    {
        "DNS-error" => ComponentVal.Variant(Case, ComponentVal.Record([
            ("rcode", Detail is null ? ComponentVal.None() : ComponentVal.Some(ComponentVal.OfString(Detail))),
            ("info-code", ComponentVal.None()),
        ])),
        "internal-error" => ComponentVal.Variant(Case, Detail is null ? ComponentVal.None() : ComponentVal.Some(ComponentVal.OfString(Detail))),
        "HTTP-request-body-size" or "HTTP-response-body-size" or "HTTP-response-header-section-size" => ComponentVal.Variant(Case, ComponentVal.None()),
        _ => ComponentVal.Variant(Case),
    };

    public override string ToString() => Detail is null ? Case : $"{Case} ({Detail})";
}
