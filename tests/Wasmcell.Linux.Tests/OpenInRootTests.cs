using System.Text;
using Wasmcell.Linux;

namespace Wasmcell.Linux.Tests;

public sealed class OpenInRootTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("wcl-root-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void An_absolute_symlink_resolves_against_the_root_not_the_host()
    {
        Directory.CreateDirectory(Path.Combine(_root.FullName, "etc"));
        File.WriteAllText(Path.Combine(_root.FullName, "etc", "hostname"), "inside");
        File.CreateSymbolicLink(Path.Combine(_root.FullName, "link"), "/etc/hostname");

        Assert.Equal("inside", ReadInRoot("/link"));
    }

    [Fact]
    public void Dot_dot_cannot_climb_out_of_the_root()
    {
        Directory.CreateDirectory(Path.Combine(_root.FullName, "etc"));
        File.WriteAllText(Path.Combine(_root.FullName, "etc", "passwd"), "inside");

        Assert.Equal("inside", ReadInRoot("../../../../etc/passwd"));
    }

    [Fact]
    public void A_missing_path_is_ENOENT()
    {
        using var root = OpenRoot();

        Assert.Equal(Errno.ENOENT, Libc.TryOpenInRoot(root.Fd, "/absent", Libc.O_RDONLY, out var fd));
        Assert.True(fd.IsInvalid);
    }

    private SafeFdHandle OpenRoot()
    {
        Assert.Equal(Errno.None, Libc.TryOpen(_root.FullName, Libc.O_PATH | Libc.O_DIRECTORY, out var root));
        return root;
    }

    private string ReadInRoot(string path)
    {
        using var root = OpenRoot();
        Assert.Equal(Errno.None, Libc.TryOpenInRoot(root.Fd, path, Libc.O_RDONLY, out var fd));
        using (fd)
        {
            var buffer = new byte[64];
            return Encoding.UTF8.GetString(buffer, 0, Libc.ReadSome(fd.Fd, buffer));
        }
    }
}
