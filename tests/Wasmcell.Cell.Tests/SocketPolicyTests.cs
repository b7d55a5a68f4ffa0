using Wasmcell.Cell.Tests.Infrastructure;
using Wasmcell.Linux;
using Wasmcell.Linux.Seccomp;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Cell.Tests;

/// <summary>
/// README "Networking": sockets in a network namespace of the container's own (new or the pod's), in the host's only
/// with WASMCELL_SOCKETS=allow, nowhere with WASMCELL_SOCKETS=deny; one decision for the guest's socket ABIs and the
/// cell's seccomp rule on socket(2).
/// </summary>
public sealed class SocketPolicyTests
{
    private static Spec SpecWith(string? network, string? setting = null, bool asAnnotation = false)
    {
        List<Namespace> namespaces = [new Namespace { Type = "mount" }];
        List<string> env = ["PATH=/bin"];
        var spec = new Spec { Process = new Process { Env = env }, Linux = new Oci.RuntimeSpec.Linux { Namespaces = namespaces } };
        if (network is not null)
        {
            namespaces.Add(new Namespace { Type = "network", Path = network == "new" ? null : network });
        }
        if (setting is not null && asAnnotation)
        {
            spec.Annotations = new Dictionary<string, string> { [CellSpecBuilder.SocketsAnnotation] = setting };
        }
        else if (setting is not null)
        {
            env.Add($"{CellSpecBuilder.SocketsEnv}={setting}");
        }
        return spec;
    }

    [Theory]
    [InlineData("new", null, true)]                      // ctr run: a new network namespace
    [InlineData("/var/run/netns/cni-1234", null, true)]  // a pod's, by path
    [InlineData(null, null, false)]                      // the host's: ctr run --net-host, hostNetwork: true
    [InlineData(null, "allow", true)]
    [InlineData("new", "deny", false)]
    [InlineData("/var/run/netns/cni-1234", "deny", false)]
    [InlineData(null, "deny", false)]
    [InlineData("new", "allow", true)]
    public void Sockets_follow_the_network_namespace_unless_the_container_says_otherwise(string? network, string? setting, bool allowed)
    {
        Assert.Equal(allowed, SocketPolicy.Allows(SpecWith(network, setting)));
        Assert.Equal(allowed, SocketPolicy.Allows(SpecWith(network, setting, asAnnotation: true)));
    }

    [Fact]
    public void The_env_wins_over_the_annotation()
    {
        var spec = SpecWith("new", "deny");
        spec.Annotations = new Dictionary<string, string> { [CellSpecBuilder.SocketsAnnotation] = "allow" };
        Assert.False(SocketPolicy.Allows(spec));
    }

    [Fact]
    public void An_unknown_setting_fails_the_create_naming_the_variable()
    {
        var e = Assert.Throws<ArgumentException>(() => SocketPolicy.Allows(SpecWith("new", "yes")));
        Assert.Contains("WASMCELL_SOCKETS='yes'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("new", null)]
    [InlineData(null, null)]
    [InlineData(null, "allow")]
    [InlineData("new", "deny")]
    public void The_seccomp_rule_on_socket_follows_the_same_decision(string? network, string? setting)
    {
        var spec = SpecWith(network, setting);
        var allowed = SocketPolicy.Allows(spec);
        var answer = BpfInterpreter.Run(CellSeccomp.BuiltIn(4242, allowed).Compile(), SeccompData.Call("socket", 2, 1, 0));
        Assert.Equal(allowed ? SeccompAction.Allow : SeccompAction.Errno(Errno.EACCES), answer);
    }
}
