using System.Text;
using System.Text.Json;
using Wasmcell.Oci.RuntimeSpec;

namespace Wasmcell.Oci.Tests.RuntimeSpec;

public sealed class SpecReaderTests
{
    // What containerd 1.6's CRI plugin writes, trimmed of nothing the shim skips: every kind of field the
    // reader must map or step over (capabilities, seccomp, devices, masked paths, hooks, unicode, escapes).
    private const string ContainerdSpec = """
        {"ociVersion":"1.0.2-dev","process":{"user":{"uid":1000,"gid":1000,"additionalGids":[1000,10,4294967295]},
        "args":["/app.wasm","--name","caf\u00e9 \"x\""],"env":["PATH=/usr/local/sbin:/usr/bin","HOSTNAME=pod-1"],
        "cwd":"/srv","capabilities":{"bounding":["CAP_CHOWN"],"effective":["CAP_CHOWN"],"permitted":["CAP_CHOWN"]},
        "rlimits":[{"type":"RLIMIT_NOFILE","hard":18446744073709551615,"soft":1024}],"noNewPrivileges":true,
        "apparmorProfile":"cri-containerd.apparmor.d","selinuxLabel":"system_u:system_r:container_t:s0:c1,c2","oomScoreAdj":1000,"terminal":false},
        "root":{"path":"rootfs","readonly":true},"hostname":"pod-1",
        "mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]},
        {"destination":"/data","type":"bind","source":"/var/lib/kubelet/pods/x/volumes/data","options":["rbind","rprivate","ro"]},
        {"destination":"/dev/shm","type":"bind","source":"/run/containerd/sandboxes/s/shm","options":null}],
        "hooks":{"prestart":[{"path":"/bin/true","args":["true"],"timeout":5}]},
        "annotations":{"io.kubernetes.cri.container-type":"container","io.kubernetes.cri.sandbox-id":"abc","empty":""},
        "linux":{"uidMappings":[],"mountLabel":"system_u:object_r:container_file_t:s0:c1,c2","resources":{"devices":[{"allow":false,"access":"rwm"},
        {"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"},{"allow":true,"type":"c","major":136,"access":"rwm"},{"allow":false,"type":"b","major":null,"minor":-1}],
        "memory":{"limit":67108864,"swap":67108864,"reservation":-1,"disableOOMKiller":false},
        "cpu":{"shares":256,"quota":50000,"period":100000,"cpus":"0-1","mems":"0"},"pids":{"limit":512},
        "unified":{"memory.high":"max"}},"cgroupsPath":"/kubepods/burstable/podx/c1",
        "namespaces":[{"type":"pid"},{"type":"ipc","path":"/proc/42/ns/ipc"},{"type":"uts","path":"/proc/42/ns/uts"},
        {"type":"mount"},{"type":"network","path":"/var/run/netns/cni-1"}],
        "seccomp":{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64"],"flags":["SECCOMP_FILTER_FLAG_LOG"],
        "syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":131080,"valueTwo":0,"op":"SCMP_CMP_EQ"}]},
        {"names":["clone"],"action":"SCMP_ACT_ERRNO","errnoRet":1,"args":[{"index":0,"value":2114060288,"op":"SCMP_CMP_MASKED_EQ"}],"comment":"skipped"}]},
        "maskedPaths":["/proc/acpi"],"readonlyPaths":["/proc/bus"],"devices":[]}}
        """;

    [Theory]
    [InlineData(ContainerdSpec)]
    [InlineData("{}")]
    [InlineData("""{"process":null,"root":null,"mounts":null,"annotations":null,"linux":{"resources":{"memory":{"limit":null},"cpu":null}}}""")]
    [InlineData("""{"process":{"args":[],"env":[]},"root":{"path":"/abs/rootfs"},"linux":{"namespaces":[]}}""")]
    public void Reads_what_the_generated_reader_reads(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var expected = JsonSerializer.Deserialize(bytes, RuntimeSpecJsonContext.Default.Spec)!;

        var actual = SpecReader.Read(bytes);

        Assert.Equal(Serialize(expected), Serialize(actual));
    }

    [Theory]
    [InlineData("""{"memory":{"limit":67108864,"swap":-1,"reservation":1024},"cpu":{"shares":2,"quota":-1,"period":200000,"cpus":"0"},"pids":{"limit":0},"unified":{"memory.high":"max"}}""")]
    [InlineData("""{"memory":null,"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":3,"access":"rw"}],"hugepageLimits":[]}""")]
    [InlineData("{}")]
    public void Reads_update_resources_as_the_generated_reader_does(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var expected = JsonSerializer.Deserialize(bytes, RuntimeSpecJsonContext.Default.LinuxResources)!;

        var actual = SpecLoader.ParseResources(bytes);

        Assert.Equal(JsonSerializer.Serialize(expected, RuntimeSpecJsonContext.Default.LinuxResources),
            JsonSerializer.Serialize(actual, RuntimeSpecJsonContext.Default.LinuxResources));
    }

    [Theory]
    [InlineData("""{"memory":{"limit":"64M"}}""", "limit")]
    [InlineData("null", "null")]
    [InlineData("""{"pids":{"limit":1}} {}""", "after")]
    public void Malformed_update_resources_are_invalid_data_naming_the_problem(string json, string mentioned)
    {
        var e = Assert.Throws<InvalidDataException>(() => SpecLoader.ParseResources(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(mentioned, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Maps_the_values_the_shim_uses()
    {
        var spec = SpecReader.Read(Encoding.UTF8.GetBytes(ContainerdSpec));
        Assert.Equal(["/app.wasm", "--name", "café \"x\""], spec.Process!.Args);
        Assert.Equal(4294967295u, spec.Process.User!.AdditionalGids![2]);
        Assert.Equal(ulong.MaxValue, spec.Process.Rlimits![0].Hard);
        Assert.True(spec.Root!.Readonly);
        Assert.Null(spec.Mounts![2].Options);
        Assert.Equal("abc", spec.Annotations!["io.kubernetes.cri.sandbox-id"]);
        Assert.Equal(-1, spec.Linux!.Resources!.Memory!.Reservation);
        Assert.Equal("/var/run/netns/cni-1", spec.Linux.Namespaces![4].Path);
        Assert.Equal("cri-containerd.apparmor.d", spec.Process.ApparmorProfile);
        Assert.Equal("system_u:system_r:container_t:s0:c1,c2", spec.Process.SelinuxLabel);
        Assert.Equal("system_u:object_r:container_file_t:s0:c1,c2", spec.Linux.MountLabel);
        var devices = spec.Linux.Resources.Devices!;
        Assert.Equal(4, devices.Count);
        Assert.Equal((false, null, null, null, "rwm"), (devices[0].Allow, devices[0].Type, devices[0].Major, devices[0].Minor, devices[0].Access));
        Assert.Equal((true, "c", 1L, 3L, "rwm"), (devices[1].Allow, devices[1].Type, devices[1].Major, devices[1].Minor, devices[1].Access));
        Assert.Equal((136L, (long?)null), (devices[2].Major, devices[2].Minor));
        Assert.Equal(("b", (long?)null, -1L, (string?)null), (devices[3].Type, devices[3].Major, devices[3].Minor, devices[3].Access));
        var seccomp = spec.Linux.Seccomp!;
        Assert.Equal(("SCMP_ACT_ERRNO", 38u), (seccomp.DefaultAction, seccomp.DefaultErrnoRet));
        Assert.Equal(["SECCOMP_FILTER_FLAG_LOG"], seccomp.Flags);
        Assert.Equal(131080ul, seccomp.Syscalls![1].Args![0].Value);
        Assert.Equal(("SCMP_CMP_MASKED_EQ", 2114060288ul, 1u), (seccomp.Syscalls[2].Args![0].Op, seccomp.Syscalls[2].Args![0].Value, seccomp.Syscalls[2].ErrnoRet!.Value));
    }

    [Theory]
    [InlineData("""{"process":{"args":"/app.wasm"}}""", "args")]
    [InlineData("""{"root":{"readonly":"yes"}}""", "readonly")]
    [InlineData("""{"process":{"user":{"uid":-1}}}""", "uid")]
    [InlineData("""{"linux":{"resources":{"memory":{"limit":"64Mi"}}}}""", "limit")]
    [InlineData("""{"annotations":{"a":1}}""", "a")]
    [InlineData("""{"linux":{"resources":{"devices":[{"allow":true,"major":"1"}]}}}""", "major")]
    [InlineData("""{"linux":{"resources":{"devices":{"allow":true}}}}""", "devices")]
    [InlineData("""{"process":{"apparmorProfile":false}}""", "apparmorProfile")]
    [InlineData("""{"mounts":{}}""", "mounts")]
    [InlineData("""[]""", "object")]
    [InlineData("""null""", "null")]
    [InlineData("""{"process":{}} {}""", "after")]
    [InlineData("""{"process":{"args":["a"]""", "")]
    [InlineData("""{"process":{"args":["a",]}}""", "")]
    public void Rejects_what_the_generated_reader_rejects_and_names_the_field(string json, string named)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(bytes, RuntimeSpecJsonContext.Default.Spec) ?? throw new JsonException("null"));

        var e = Assert.ThrowsAny<JsonException>(() => SpecReader.Read(bytes));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SpecLoader_names_the_file_in_its_error()
    {
        var e = Assert.Throws<InvalidDataException>(() => SpecLoader.Parse("""{"process":{"cwd":7}}"""u8, "/b/config.json"));
        Assert.Contains("/b/config.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("cwd", e.Message, StringComparison.Ordinal);
    }

    private static string Serialize(Spec spec) => JsonSerializer.Serialize(spec, RuntimeSpecJsonContext.Default.Spec);
}
