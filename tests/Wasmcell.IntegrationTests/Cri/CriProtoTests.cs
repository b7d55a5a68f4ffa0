using Google.Protobuf.Reflection;
using Wasmcell.IntegrationTests.Cri.V1;

namespace Wasmcell.IntegrationTests.Cri;

/// <summary>
/// The hand-written CRI subset must stay wire-compatible with k8s.io/cri-api v0.25.0: these are the
/// upstream field numbers of the fields whose misnumbering would silently break a test (a wrong
/// number is not an error on the wire; the server just ignores or misreads the field).
/// </summary>
public sealed class CriProtoTests
{
    public static TheoryData<MessageDescriptor, string, int> UpstreamNumbers => new()
    {
        { RunPodSandboxRequest.Descriptor, "config", 1 },
        { RunPodSandboxRequest.Descriptor, "runtime_handler", 2 },
        { PodSandboxConfig.Descriptor, "log_directory", 3 },
        { PodSandboxConfig.Descriptor, "port_mappings", 5 },
        { PodSandboxConfig.Descriptor, "linux", 8 },
        { LinuxPodSandboxConfig.Descriptor, "cgroup_parent", 1 },
        { LinuxSandboxSecurityContext.Descriptor, "run_as_group", 8 },
        { LinuxContainerSecurityContext.Descriptor, "run_as_group", 12 },
        { LinuxContainerSecurityContext.Descriptor, "no_new_privs", 11 },
        { ContainerConfig.Descriptor, "log_path", 11 },
        { ContainerConfig.Descriptor, "linux", 15 },
        { LinuxContainerResources.Descriptor, "memory_limit_in_bytes", 4 },
        { LinuxContainerResources.Descriptor, "memory_swap_limit_in_bytes", 10 },
        { ContainerStatus.Descriptor, "reason", 10 },
        { ContainerStatus.Descriptor, "log_path", 15 },
        { PodSandboxStatus.Descriptor, "runtime_handler", 9 },
        { PodSandboxStatus.Descriptor, "network", 5 },
        { ContainerStats.Descriptor, "memory", 3 },
        { MemoryUsage.Descriptor, "working_set_bytes", 2 },
        { StopContainerRequest.Descriptor, "timeout", 2 },
    };

    [Theory]
    [MemberData(nameof(UpstreamNumbers))]
    public void Field_numbers_match_cri_api_v0_25_0(MessageDescriptor message, string field, int number)
    {
        Assert.Equal(number, message.FindFieldByName(field)?.FieldNumber);
    }

    [Fact]
    public void Services_are_the_runtime_v1_ones_containerd_serves()
    {
        Assert.Equal("runtime.v1.RuntimeService", RuntimeService.Descriptor.FullName);
        Assert.Equal("runtime.v1.ImageService", ImageService.Descriptor.FullName);
        Assert.NotNull(RuntimeService.Descriptor.FindMethodByName("ContainerStats"));
    }
}
