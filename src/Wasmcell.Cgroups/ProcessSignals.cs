using System.Globalization;
using Wasmcell.Linux;

namespace Wasmcell.Cgroups;

/// <summary>Signalling a cgroup's processes one by one.</summary>
public static class ProcessSignals
{
    public const int SigKill = Signals.SIGKILL;

    /// <summary>Sends <paramref name="signal"/> to each pid; a pid that exited meanwhile (ESRCH) is fine.</summary>
    public static void SignalAll(IEnumerable<int> pids, int signal)
    {
        foreach (var pid in pids)
        {
            var errno = Libc.Result(Libc.Kill(pid, signal));
            if (errno is not (Errno.None or Errno.ESRCH))
            {
                throw new CgroupException($"kill({signal})", pid.ToString(CultureInfo.InvariantCulture), errno);
            }
        }
    }
}
