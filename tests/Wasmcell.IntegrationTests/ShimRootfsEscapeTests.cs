using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// Paths from the spec or the image (cwd, WORKDIR, mount destinations) resolve inside the rootfs: `..` and
/// symlinks clamp at its root, so no preopen the guest gets is a host directory (issue 11). Each test makes
/// a host directory with a marker, points the container at it one way, and runs preopen-probe.wasm, which
/// reads marker.txt and creates written-by-guest.txt through every preopen.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimRootfsEscapeTests(PrivateContainerd containerd)
{
    private const string HostMarker = "host-marker-must-stay-unread";
    private const string InsideMarker = "inside-the-rootfs";
    private const string Created = "written-by-guest.txt";

    // Deeper than any rootfs path: a relative symlink with this many `..` reaches / on the host.
    private static readonly string Up = string.Concat(Enumerable.Repeat("../", 24));

    [Fact]
    public async Task Cwd_with_dotdot_stays_inside_the_rootfs()
    {
        using var host = HostDirectory.Create();
        var id = containerd.NewId("escape-dotdot");
        var rootfs = RootfsWithInsideTwin(id, host.Path);

        var r = await containerd.RunAsync(Probe(id, rootfs) with { Cwd = "/../../../.." + host.Path });

        AssertNoEscape(r, host);
        AssertCwdIsTheInsideTwin(r);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Cwd_through_a_symlink_stays_inside_the_rootfs(bool absolute)
    {
        using var host = HostDirectory.Create();
        var id = containerd.NewId(absolute ? "escape-abs" : "escape-rel");
        var rootfs = RootfsWithInsideTwin(id, host.Path);
        File.CreateSymbolicLink(Path.Combine(rootfs, "w"), absolute ? host.Path : Up + host.Path.TrimStart('/'));

        var r = await containerd.RunAsync(Probe(id, rootfs) with { Cwd = "/w" });

        AssertNoEscape(r, host);
        AssertCwdIsTheInsideTwin(r);
    }

    [Fact]
    public async Task Symlinked_workdir_of_an_image_stays_inside_the_image()
    {
        using var host = HostDirectory.Create();
        var id = containerd.NewId("escape-image");
        var image = $"localhost/wct/{id}:1";
        var archive = Path.Combine(containerd.Dir, $"{id}.oci.tar");
        var inside = Path.Combine(containerd.Dir, $"{id}.inside.txt");
        await File.WriteAllTextAsync(inside, InsideMarker);
        OciArchive.Write(archive, image,
            new Dictionary<string, string>
            {
                ["preopen-probe.wasm"] = TestWasm.PathOf("preopen-probe.wasm"),
                [host.Path.TrimStart('/') + "/marker.txt"] = inside,
            },
            ["/preopen-probe.wasm"],
            symlinks: new Dictionary<string, string> { ["w"] = host.Path },
            workingDir: "/w");
        var import = await containerd.Ctr.RunAsync("images", "import", archive);
        Assert.True(import.ExitCode == 0, import.Describe());
        try
        {
            containerd.RequireShim();
            var r = await containerd.Ctr.RunAsync(
                "run", "--rm", "--runtime", Runtimes.Wasm, "--fifo-dir", containerd.FifoDir, "--cgroup", containerd.CgroupOf(id),
                "--runc-root", containerd.RuncRoot, image, id);

            AssertNoEscape(r, host);
            AssertCwdIsTheInsideTwin(r);
        }
        finally
        {
            await containerd.ForgetAsync(id);
            await containerd.Ctr.RunAsync("images", "rm", image);
        }
    }

    [Fact]
    public async Task Bind_mount_destination_through_a_symlink_does_not_reach_the_symlinks_target()
    {
        // The guest sees the bind's source under the destination's name; the rootfs symlink on the way to
        // that name (w -> the host directory) is never followed on the host.
        using var host = HostDirectory.Create();
        using var source = HostDirectory.Create();
        var id = containerd.NewId("escape-mount");
        var rootfs = RootfsWithInsideTwin(id, host.Path);
        File.CreateSymbolicLink(Path.Combine(rootfs, "w"), host.Path);
        var args = containerd.RunArgs(Probe(id, rootfs));
        args.InsertRange(1, ["--mount", $"type=bind,src={source.Path},dst=/w/sub,options=rbind:rw"]);
        containerd.RequireShim();

        var r = await containerd.Ctr.RunAsync(args);

        AssertNoEscape(r, host);
        Assert.Contains("preopen /w/sub read=" + HostDirectory.MarkerFor(source.Path) + " create=ok", r.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(source.Path, Created)), "the bind mount's source was not writable through its preopen");
        Assert.False(Directory.Exists(Path.Combine(host.Path, "sub")), "a directory was made through the rootfs symlink on the host");
    }

    private RunRequest Probe(string id, string rootfs) =>
        containerd.Request(Flavor.Wasm, id, ["/preopen-probe.wasm"]) with { Rootfs = rootfs };

    /// <summary>A fresh rootfs with the probe and, at the host directory's path inside it, a marker of its own.</summary>
    private string RootfsWithInsideTwin(string id, string hostPath)
    {
        var rootfs = containerd.FreshRootfs(Flavor.Wasm, id);
        var twin = Directory.CreateDirectory(Path.Combine(rootfs, hostPath.TrimStart('/'))).FullName;
        File.WriteAllText(Path.Combine(twin, "marker.txt"), InsideMarker);
        return rootfs;
    }

    private static void AssertNoEscape(CommandResult r, HostDirectory host)
    {
        Assert.False(r.TimedOut, r.Describe());
        Assert.DoesNotContain(host.Marker, r.Stdout + r.Stderr, StringComparison.Ordinal);
        Assert.Equal([Path.Combine(host.Path, "marker.txt")], Directory.EnumerateFileSystemEntries(host.Path).ToArray());
    }

    private static void AssertCwdIsTheInsideTwin(CommandResult r)
    {
        Assert.True(r.ExitCode == 0, r.Describe());
        Assert.Contains("preopen . read=" + InsideMarker + " create=ok", r.Stdout, StringComparison.Ordinal);
    }

    /// <summary>/tmp/wct-escape-XXXX with a marker.txt naming it; removed on dispose.</summary>
    private sealed class HostDirectory : IDisposable
    {
        private HostDirectory(string path)
        {
            Path = path;
            Marker = MarkerFor(path);
            File.WriteAllText(System.IO.Path.Combine(path, "marker.txt"), Marker);
        }

        public string Path { get; }

        public string Marker { get; }

        public static string MarkerFor(string path) => HostMarker + ":" + System.IO.Path.GetFileName(path);

        public static HostDirectory Create() => new(Directory.CreateTempSubdirectory("wct-escape-").FullName);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
