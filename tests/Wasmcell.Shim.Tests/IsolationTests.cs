using Wasmcell.Shim;

namespace Wasmcell.Shim.Tests;

public sealed class IsolationTests
{
    private static readonly Dictionary<string, string> Pod = new()
    {
        ["io.kubernetes.cri.sandbox-namespace"] = "team-a",
        ["io.kubernetes.cri.sandbox-id"] = "abc",
    };

    [Fact]
    public void Shared_mode_is_chosen_by_the_annotation_or_the_shared_runtime_binary_and_never_otherwise()
    {
        Assert.Equal(IsolationMode.Independent, Isolation.Of(null, "/usr/bin/containerd-shim-wasm-v1"));
        Assert.Equal(IsolationMode.Independent, Isolation.Of(Pod, "/usr/bin/containerd-shim-wasm-v1"));
        Assert.Equal(IsolationMode.Independent, Isolation.Of(new Dictionary<string, string> { [Isolation.Annotation] = "independent" }, "containerd-shim-wasm-v1"));
        Assert.Equal(IsolationMode.Shared, Isolation.Of(new Dictionary<string, string> { [Isolation.Annotation] = "shared" }, "/usr/bin/containerd-shim-wasm-v1"));
        Assert.Equal(IsolationMode.Shared, Isolation.Of(null, "/usr/local/bin/containerd-shim-wasm-shared-v1"));
    }

    [Fact]
    public void An_annotation_naming_no_mode_is_an_error_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => Isolation.Of(new Dictionary<string, string> { [Isolation.Annotation] = "pooled" }, "containerd-shim-wasm-v1"));
        Assert.Contains("\"pooled\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pods_of_different_kubernetes_namespaces_share_no_process_unless_the_scope_is_the_node()
    {
        var other = new Dictionary<string, string>(Pod) { ["io.kubernetes.cri.sandbox-namespace"] = "team-b" };

        Assert.NotEqual(Isolation.SharedGroup(Pod, _ => null), Isolation.SharedGroup(other, _ => null));
        Assert.Equal(Isolation.SharedGroup(Pod, _ => null), Isolation.SharedGroup(new Dictionary<string, string>(Pod) { ["io.kubernetes.cri.sandbox-id"] = "def" }, _ => null));
        string? Node(string name) => name == Isolation.ScopeEnv ? "node" : null;
        Assert.Equal(Isolation.SharedGroup(Pod, Node), Isolation.SharedGroup(other, Node));
        Assert.Throws<ArgumentException>(() => Isolation.SharedGroup(Pod, n => n == Isolation.ScopeEnv ? "cluster" : null));
    }
}
