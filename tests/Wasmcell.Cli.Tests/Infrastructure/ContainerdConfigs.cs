namespace Wasmcell.Cli.Tests.Infrastructure;

/// <summary>Config files as operators have them: containerd 1.6's and 2.x's shapes, trimmed.</summary>
internal static class ContainerdConfigs
{
    public const string Version2 = """
        # containerd 1.6 node config
        version = 2
        root = "/var/lib/containerd"

        [grpc]
          address = "/run/containerd/containerd.sock"

        [plugins]
          [plugins."io.containerd.grpc.v1.cri"]
            sandbox_image = "registry.k8s.io/pause:3.6"
            [plugins."io.containerd.grpc.v1.cri".containerd]
              default_runtime_name = "runc"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                runtime_type = "io.containerd.runc.v2"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                  SystemdCgroup = true   # kubelet uses the systemd driver
          [plugins."io.containerd.internal.v1.opt"]
            path = "/opt/containerd"

        """;

    public const string Version3 = """
        version = 3

        [plugins.'io.containerd.cri.v1.images']
          snapshotter = 'overlayfs'

        [plugins.'io.containerd.cri.v1.runtime'.containerd]
          default_runtime_name = 'runc'

        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
          runtime_type = 'io.containerd.runc.v2'

        """;
}
