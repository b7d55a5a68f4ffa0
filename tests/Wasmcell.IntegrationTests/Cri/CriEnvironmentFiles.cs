namespace Wasmcell.IntegrationTests.Cri;

/// <summary>The config files of <see cref="CriEnvironment"/>: containerd's config.toml and the CNI conflist.</summary>
internal static class CriEnvironmentFiles
{
    public static string ConfigToml(PrivateContainerd env) => $$"""
        # Private containerd with the CRI plugin for Wasmcell's CRI tests; every path is under {{env.Dir}}.
        version = 2
        root = "{{env.Dir}}/root"
        state = "{{env.Dir}}/state"
        temp = "{{env.Dir}}/tmp"
        # Fail start-up if the CRI plugin cannot load (otherwise containerd runs without it).
        required_plugins = ["io.containerd.grpc.v1.cri"]
        disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                            "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

        [grpc]
          address = "{{env.Address}}"

        [debug]
          level = "info"

        [plugins]
          [plugins."io.containerd.internal.v1.opt"]
            # containerd prepends <path>/bin to its PATH: containerd-shim-wasm-v1 goes in {{env.OptBin}}
            path = "{{env.Dir}}/opt"

          [plugins."io.containerd.grpc.v1.cri"]
            sandbox_image = "{{CriEnvironment.PauseImage}}"
            stream_server_address = "127.0.0.1"
            stream_server_port = "0"
            # pod netns bind mounts under <state>/io.containerd.grpc.v1.cri/netns, not the shared /run/netns
            netns_mounts_under_state_dir = true
            enable_unprivileged_ports = false
            enable_unprivileged_icmp = false
            # Without CAP_SYS_RESOURCE runc cannot give the pause container oom_score_adj -998
            # (test-environment pitfall 1); clamp scores to containerd's own.
            restrict_oom_score_adj = true

            [plugins."io.containerd.grpc.v1.cri".cni]
              bin_dir = "/usr/lib/cni"
              conf_dir = "{{env.Dir}}/cni/net.d"
              max_conf_num = 1

            [plugins."io.containerd.grpc.v1.cri".containerd]
              snapshotter = "overlayfs"
              default_runtime_name = "runc"

              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                runtime_type = "io.containerd.runc.v2"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                  # private runc state (the default /run/containerd/runc/<ns> is shared with other daemons)
                  Root = "{{env.RuncRoot}}"
                  SystemdCgroup = false

              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.wasm]
                runtime_type = "io.containerd.wasm.v1"

              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.wasm-shared]
                runtime_type = "io.containerd.wasm-shared.v1"

        """;

    public static string CniConfList(string network, string bridge, string subnet, string gateway, string ipamDir) => $$"""
        {
          "cniVersion": "1.0.0",
          "name": "{{network}}",
          "plugins": [
            {
              "type": "bridge",
              "bridge": "{{bridge}}",
              "isGateway": false,
              "ipMasq": false,
              "hairpinMode": true,
              "ipam": {
                "type": "host-local",
                "dataDir": "{{ipamDir}}",
                "ranges": [[{ "subnet": "{{subnet}}", "gateway": "{{gateway}}" }]]
              }
            },
            { "type": "loopback" }
          ]
        }

        """;
}
