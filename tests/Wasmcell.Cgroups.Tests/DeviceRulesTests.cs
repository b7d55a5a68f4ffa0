using Wasmcell.Cgroups;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cgroups.Tests;

public sealed class DeviceRulesTests
{
    private static LinuxDeviceCgroup Rule(bool allow, string? type = null, long? major = null, long? minor = null, string? access = "rwm") =>
        new() { Allow = allow, Type = type, Major = major, Minor = minor, Access = access };

    /// <summary>What ctr's and CRI's default spec carries: deny every device, then allow a few.</summary>
    private static readonly LinuxDeviceCgroup[] CtrDefaults =
    [
        Rule(false),
        Rule(true, "c", 1, 3),
        Rule(true, "c", 1, 9, "rw"),
        Rule(true, "c", 136, null),
        Rule(true, "c", 5, -1, "m"),
    ];

    [Fact]
    public void V1_writes_follow_the_spec_order_with_wildcards_as_stars()
    {
        var writes = DeviceRules.ToV1Writes(CtrDefaults);

        Assert.Equal(
            [
                new("devices.deny", "a *:* rwm"),
                new("devices.allow", "c 1:3 rwm"),
                new("devices.allow", "c 1:9 rw"),
                new("devices.allow", "c 136:* rwm"),
                new("devices.allow", "c 5:* m"),
            ],
            writes);
    }

    [Fact]
    public void A_deny_without_access_denies_everything_and_an_allow_without_access_is_left_out()
    {
        var writes = DeviceRules.ToV1Writes([Rule(false, "b", 8, 0, null), Rule(true, "c", 1, 5, ""), Rule(true, "a", access: null)]);

        Assert.Equal([new("devices.deny", "b 8:0 rwm"), new("devices.allow", "a *:* rwm")], writes);
    }

    [Theory]
    [InlineData("u", 1L, 3L, "rwm", "type \"u\"")]
    [InlineData("c", 1L, 3L, "rwx", "access \"rwx\"")]
    [InlineData("c", 1L, 3L, "rr", "access \"rr\"")]
    [InlineData("c", -2L, 3L, "rwm", "device number -2")]
    [InlineData("b", 1L, 4294967296L, "r", "device number 4294967296")]
    public void A_malformed_rule_is_refused_naming_its_index_and_what_is_wrong(string type, long major, long minor, string access, string why)
    {
        LinuxDeviceCgroup[] rules = [Rule(false), Rule(true, type, major, minor, access)];

        var e = Assert.Throws<ArgumentException>(() => DeviceRules.ToV1Writes(rules));

        Assert.Contains("linux.resources.devices[1]", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_that_allow_every_device_have_no_restriction()
    {
        Assert.Null(DeviceRules.FirstRestriction([]));
        Assert.Null(DeviceRules.FirstRestriction([Rule(true)]));
        Assert.Null(DeviceRules.FirstRestriction([Rule(true, "c", 1, 3)])); // an allow on top of allow-all changes nothing
        Assert.Null(DeviceRules.FirstRestriction([.. CtrDefaults, Rule(true, "a")])); // privileged: a later "allow a" resets the list
    }

    [Fact]
    public void The_restriction_named_is_the_rule_that_takes_devices_away()
    {
        Assert.Equal("deny a *:* rwm", DeviceRules.Describe(DeviceRules.FirstRestriction(CtrDefaults)!));
        Assert.Equal("deny c 10:200 rw", DeviceRules.Describe(DeviceRules.FirstRestriction([Rule(true), Rule(false, "c", 10, 200, "rw"), Rule(false, "c", 1, 1)])!));
        Assert.Equal("deny b *:* rwm", DeviceRules.Describe(DeviceRules.FirstRestriction([Rule(false, "c", 1, 1), Rule(true, "a"), Rule(false, "b", -1, null)])!));
    }

    [Fact]
    public void Allows_decides_per_access_by_the_last_matching_rule_as_the_kernel_does()
    {
        Assert.True(DeviceRules.Allows([], 'c', 1, 3, "rwm"));
        // Deny everything, then allow /dev/null (c 1:3) and /dev/urandom (c 1:9) among others.
        Assert.True(DeviceRules.Allows(CtrDefaults, 'c', 1, 3, "rw"));
        Assert.True(DeviceRules.Allows(CtrDefaults, 'c', 1, 9, "rw"));
        Assert.False(DeviceRules.Allows(CtrDefaults, 'c', 10, 200, "r"));
        Assert.False(DeviceRules.Allows(CtrDefaults, 'b', 8, 0, "r"));
        // A later deny of one access leaves the others.
        LinuxDeviceCgroup[] readOnlyNull = [Rule(true), Rule(false, "c", 1, 3, "w")];
        Assert.True(DeviceRules.Allows(readOnlyNull, 'c', 1, 3, "r"));
        Assert.False(DeviceRules.Allows(readOnlyNull, 'c', 1, 3, "rw"));
        // Wildcards (null or -1) match any number; "a" resets everything.
        Assert.False(DeviceRules.Allows([Rule(false, "c", -1, null)], 'c', 1, 9, "r"));
        Assert.True(DeviceRules.Allows([Rule(false, "c", -1, null), Rule(true, "a")], 'c', 1, 9, "rwm"));
    }
}
