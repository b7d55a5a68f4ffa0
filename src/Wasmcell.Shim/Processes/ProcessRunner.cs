using System.Text;
using Wasmcell.Linux;

namespace Wasmcell.Shim.Processes;

/// <summary>Runs a short-lived helper (runc) to completion through the reaper, capturing its stderr.</summary>
public static class ProcessRunner
{
    /// <remarks>
    /// With <paramref name="stdio"/> given (runc create), those fds are passed through untouched and stderr is
    /// not captured: the container's init inherits them and would hold a capture pipe open forever.
    /// </remarks>
    public static async Task<(uint Code, string Stderr)> RunAsync(string path, IReadOnlyList<string> args, int[]? stdio = null, TimeSpan? timeout = null)
    {
        var (errR, errW) = stdio is null ? Libc.Pipe() : (-1, -1);
        int pid;
        try
        {
            int[] fds = stdio ?? [-1, -1, errW];
            pid = PosixSpawn.Start(path, [path, .. args], PosixSpawn.CurrentEnvironment(), fds, newSession: false);
        }
        catch
        {
            Libc.CloseQuietly(errR);
            Libc.CloseQuietly(errW);
            throw;
        }
        Libc.CloseQuietly(errW);
        var exited = ChildReaper.Instance.WaitAsync(pid);
        var stderr = errR < 0 ? Task.FromResult("") : Task.Run(() => ReadAll(errR));
        var done = await Task.WhenAny(exited, Task.Delay(timeout ?? TimeSpan.FromSeconds(60))).ConfigureAwait(false);
        if (done != exited)
        {
            Libc.Kill(pid, Signals.SIGKILL);
        }
        var status = await exited.ConfigureAwait(false);
        ChildReaper.Instance.Forget(pid);
        return (status.Code, (await stderr.ConfigureAwait(false)).Trim());
    }

    private static string ReadAll(int fd)
    {
        try
        {
            var sb = new StringBuilder();
            var buf = new byte[4096];
            int n;
            while ((n = Libc.ReadSome(fd, buf)) > 0)
            {
                if (sb.Length < 64 * 1024)
                {
                    sb.Append(Encoding.UTF8.GetString(buf, 0, n));
                }
            }
            return sb.ToString();
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
