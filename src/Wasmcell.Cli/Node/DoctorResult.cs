namespace Wasmcell.Cli.Node;

/// <summary>One line of <c>wasmcell doctor</c>: a check, its outcome, and what to do when it failed.</summary>
internal sealed record DoctorResult(string Check, bool Ok, string Detail, string? Hint = null)
{
    public static DoctorResult Pass(string check, string detail) => new(check, true, detail);
    public static DoctorResult Fail(string check, string detail, string hint) => new(check, false, detail, hint);

    public void WriteTo(TextWriter output)
    {
        output.WriteLine($"{(Ok ? "OK  " : "FAIL")} {Check}: {Detail}");
        if (!Ok && Hint is not null)
        {
            output.WriteLine($"     hint: {Hint}");
        }
    }
}
