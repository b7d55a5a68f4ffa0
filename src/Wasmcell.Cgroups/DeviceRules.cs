using System.Globalization;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cgroups;

/// <summary>
/// The spec's device cgroup rules (<c>linux.resources.devices</c>) in the kernel's words: "type major:minor
/// access", e.g. "c 1:3 rwm". A guest reaches no device node through WASI, yet the rules still hold, so that
/// code which escaped the sandbox reaches no device a runc container with the same spec could not.
/// </summary>
public static class DeviceRules
{
    /// <summary>One write of a rule: "devices.allow" or "devices.deny", and the line written.</summary>
    public readonly record struct V1Write(string File, string Line);

    /// <summary>
    /// The v1 writes, in spec order (each rule changes what the ones before it left, so order is meaning).
    /// Every rule is checked first: a bad one throws <see cref="ArgumentException"/> before anything is written.
    /// An allow of a device without an access grants nothing and is left out.
    /// </summary>
    public static IReadOnlyList<V1Write> ToV1Writes(IReadOnlyList<LinuxDeviceCgroup> rules)
    {
        var writes = new List<V1Write>(rules.Count);
        for (var i = 0; i < rules.Count; i++)
        {
            var line = Line(rules[i], i);
            if (line is not null)
            {
                writes.Add(new V1Write(rules[i].Allow ? "devices.allow" : "devices.deny", line));
            }
        }
        return writes;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first malformed rule.</summary>
    public static void Validate(IReadOnlyList<LinuxDeviceCgroup> rules) => ToV1Writes(rules);

    /// <summary>
    /// The rule that keeps the list from allowing every device, or null when it allows them all (no rules,
    /// or deny rules undone by a later "allow a"). A type "a" rule resets the whole list, as in the kernel.
    /// </summary>
    public static LinuxDeviceCgroup? FirstRestriction(IReadOnlyList<LinuxDeviceCgroup> rules)
    {
        LinuxDeviceCgroup? restriction = null;
        foreach (var rule in rules)
        {
            if (TypeOf(rule) == 'a')
            {
                restriction = rule.Allow ? null : rule;
            }
            else if (!rule.Allow)
            {
                restriction ??= rule;
            }
        }
        return restriction;
    }

    /// <summary>
    /// Whether the rules let a process open device <paramref name="type"/> <paramref name="major"/>:<paramref name="minor"/>
    /// for <paramref name="access"/> (each of r, w, m), as the kernel's v1 list and runc's v2 program decide: with no
    /// rules everything is allowed, and for each access the last rule that matches the device decides.
    /// </summary>
    public static bool Allows(IReadOnlyList<LinuxDeviceCgroup> rules, char type, long major, long minor, string access)
    {
        foreach (var bit in access)
        {
            var allowed = true;
            foreach (var rule in rules)
            {
                var ruleType = TypeOf(rule);
                var ruleAccess = string.IsNullOrEmpty(rule.Access) ? (rule.Allow ? "" : "rwm") : rule.Access;
                if ((ruleType == 'a' || (ruleType == type && Matches(rule.Major, major) && Matches(rule.Minor, minor)))
                    && (ruleType == 'a' || ruleAccess.Contains(bit)))
                {
                    allowed = rule.Allow;
                }
            }
            if (!allowed)
            {
                return false;
            }
        }
        return true;
    }

    private static bool Matches(long? ruleNumber, long number) => ruleNumber is null or -1 || ruleNumber == number;

    /// <summary>A rule as a person reads it in an error: "deny c 1:3 rwm".</summary>
    public static string Describe(LinuxDeviceCgroup rule) =>
        (rule.Allow ? "allow " : "deny ") + $"{(string.IsNullOrEmpty(rule.Type) ? "a" : rule.Type)} {Number(rule.Major)}:{Number(rule.Minor)} {rule.Access ?? ""}".TrimEnd();

    /// <summary>
    /// The kernel's line for rule <paramref name="index"/>, null for an allow that grants nothing, or an
    /// <see cref="ArgumentException"/> naming the rule.
    /// </summary>
    internal static string? Line(LinuxDeviceCgroup rule, int index)
    {
        var type = TypeOf(rule);
        if (type == '?')
        {
            throw Invalid(rule, index, $"type \"{rule.Type}\" is not a, b or c");
        }
        var line = $"{type} {Number(rule.Major, rule, index)}:{Number(rule.Minor, rule, index)} {Access(rule, index)}";
        // "a" ignores the access (it resets the whole list); any other allow without one grants nothing.
        return rule.Allow && type != 'a' && string.IsNullOrEmpty(rule.Access) ? null : line;
    }

    private static char TypeOf(LinuxDeviceCgroup rule) => rule.Type switch
    {
        null or "" or "a" => 'a',
        "b" => 'b',
        "c" => 'c',
        _ => '?',
    };

    // The spec leaves access optional and gives no default. A deny without one denies all access (failing
    // closed); an allow without one grants nothing (see Line).
    private static string Access(LinuxDeviceCgroup rule, int index)
    {
        var access = string.IsNullOrEmpty(rule.Access) ? "rwm" : rule.Access;
        if (access.Length > 3 || access.Any(c => c is not ('r' or 'w' or 'm')) || access.Distinct().Count() != access.Length)
        {
            throw Invalid(rule, index, $"access \"{rule.Access}\" is not made of r, w and m");
        }
        return access;
    }

    // null and -1 (runc's wildcard) mean any number.
    private static string Number(long? n, LinuxDeviceCgroup rule, int index) =>
        n is null or -1 ? "*"
        : n is >= 0 and <= uint.MaxValue ? n.Value.ToString(CultureInfo.InvariantCulture)
        : throw Invalid(rule, index, $"device number {n} is out of range");

    private static string Number(long? n) => n is null or -1 ? "*" : n.Value.ToString(CultureInfo.InvariantCulture);

    private static ArgumentException Invalid(LinuxDeviceCgroup rule, int index, string why) =>
        new($"linux.resources.devices[{index}] (\"{Describe(rule)}\"): {why}");
}
