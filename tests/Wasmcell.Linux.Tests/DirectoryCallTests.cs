using Wasmcell.Linux;

namespace Wasmcell.Linux.Tests;

public sealed class DirectoryCallTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("wcl-dir-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Mkdir_says_whether_the_directory_existed()
    {
        var path = Path.Combine(_dir.FullName, "a");

        Assert.Equal(Errno.None, Libc.Mkdir(path));
        Assert.Equal(Errno.EEXIST, Libc.Mkdir(path));
    }

    [Fact]
    public void Rmdir_of_a_non_empty_directory_is_ENOTEMPTY_and_of_a_missing_one_ENOENT()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "f"), "");

        Assert.Equal(Errno.ENOTEMPTY, Libc.Rmdir(_dir.FullName));
        Assert.Equal(Errno.ENOENT, Libc.Rmdir(Path.Combine(_dir.FullName, "absent")));
    }
}
