using System.Globalization;
using System.Text.RegularExpressions;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// Kubernetes resource quantities (<c>100m</c>, <c>0.5</c>, <c>64Mi</c>, <c>1G</c>, <c>129e6</c>),
/// enough to turn a manifest's <c>resources</c> into CRI numbers.
/// </summary>
internal static partial class KubernetesQuantity
{
    /// <summary>The value in base units (bytes, cores), as a decimal.</summary>
    public static decimal Parse(string text)
    {
        var match = Pattern().Match(text.Trim());
        if (!match.Success)
        {
            throw new FormatException($"`{text}` is not a Kubernetes quantity");
        }
        var number = decimal.Parse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var suffix = match.Groups["suffix"].Value;
        var multiplier = suffix switch
        {
            "" => 1m,
            "m" => 0.001m,
            "k" => 1e3m,
            "M" => 1e6m,
            "G" => 1e9m,
            "T" => 1e12m,
            "P" => 1e15m,
            "E" => 1e18m,
            "Ki" => 1024m,
            "Mi" => 1024m * 1024,
            "Gi" => 1024m * 1024 * 1024,
            "Ti" => 1024m * 1024 * 1024 * 1024,
            "Pi" => 1024m * 1024 * 1024 * 1024 * 1024,
            "Ei" => 1024m * 1024 * 1024 * 1024 * 1024 * 1024,
            _ when suffix[0] is 'e' or 'E' => Pow10(int.Parse(suffix[1..], CultureInfo.InvariantCulture)),
            _ => throw new FormatException($"`{text}`: unknown suffix `{suffix}`"),
        };
        return number * multiplier;
    }

    /// <summary>CPU in millicores, rounded up as Kubernetes does (<c>0.0001</c> → 1m).</summary>
    public static long MilliCpu(string text) => (long)Math.Ceiling(Parse(text) * 1000);

    /// <summary>Bytes, rounded up.</summary>
    public static long Bytes(string text) => (long)Math.Ceiling(Parse(text));

    private static decimal Pow10(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < Math.Abs(exponent); i++)
        {
            result = exponent > 0 ? result * 10 : result / 10;
        }
        return result;
    }

    [GeneratedRegex(@"^(?<number>[+-]?(\d+\.?\d*|\.\d+))(?<suffix>[eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")]
    private static partial Regex Pattern();
}
