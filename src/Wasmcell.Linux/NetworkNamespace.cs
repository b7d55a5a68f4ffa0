namespace Wasmcell.Linux;

/// <summary>
/// Runs code in another network namespace: on a thread of its own that joins it (setns moves only the calling
/// thread) and ends afterwards, so no thread of the process is left in the namespace. Sockets made there stay there.
/// </summary>
public static class NetworkNamespace
{
    /// <summary>Runs <paramref name="body"/> in the network namespace at <paramref name="path"/> (/var/run/netns/…, /proc/PID/ns/net).</summary>
    public static T Run<T>(string path, Func<T> body)
    {
        var fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Libc.IoError($"open network namespace {path}", Libc.Errno);
        }
        T? result = default;
        Exception? failure = null;
        try
        {
            var thread = new Thread(() =>
            {
                try
                {
                    if (Libc.Setns(fd, Libc.CLONE_NEWNET) != 0)
                    {
                        throw Libc.IoError($"join network namespace {path}", Libc.Errno);
                    }
                    result = body();
                }
                catch (Exception e)
                {
                    failure = e;
                }
            })
            { IsBackground = true, Name = "in-netns" };
            thread.Start();
            thread.Join();
        }
        finally
        {
            Libc.Close(fd);
        }
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        return result!;
    }
}
