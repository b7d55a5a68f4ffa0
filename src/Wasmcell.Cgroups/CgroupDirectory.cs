using Wasmcell.Linux;

namespace Wasmcell.Cgroups;

/// <summary>
/// A cgroup directory inside one hierarchy, remembering which of its ancestors it created, so that Delete
/// removes those parents again (runc never removes parents; test-environment README §1 had to rmdir them by hand).
/// </summary>
public sealed class CgroupDirectory
{
    // rmdir fails with EBUSY while the last killed task is still being torn down; this is short in practice.
    private const int RmdirAttempts = 50;
    private static readonly TimeSpan RmdirBackoff = TimeSpan.FromMilliseconds(20);

    private readonly List<string> _createdParents = new();

    private CgroupDirectory(string fullPath) => FullPath = fullPath;

    public string FullPath { get; }

    /// <summary>Directories this object created, top-down, the leaf excluded.</summary>
    public IReadOnlyList<string> CreatedParents => _createdParents;

    /// <summary>An existing directory, or null; nothing is created (and so Delete removes only the leaf).</summary>
    public static CgroupDirectory? Existing(string hierarchyRoot, CgroupPath path)
    {
        var full = hierarchyRoot + "/" + path.Relative;
        return Directory.Exists(full) ? new CgroupDirectory(full) : null;
    }

    /// <summary>mkdir -p of <paramref name="path"/> under <paramref name="hierarchyRoot"/>, remembering what it made.</summary>
    public static CgroupDirectory Create(string hierarchyRoot, CgroupPath path)
    {
        // A concurrent Delete of a sibling may remove a shared parent between our mkdirs: start over on ENOENT.
        for (var attempt = 0; ; attempt++)
        {
            var created = new List<string>();
            var current = hierarchyRoot;
            var errno = Errno.None;
            foreach (var component in path.Components)
            {
                current = current + "/" + component;
                errno = Libc.Mkdir(current);
                if (errno == Errno.None)
                {
                    created.Add(current);
                }
                else if (errno != Errno.EEXIST)
                {
                    break;
                }
            }
            if (errno == Errno.ENOENT && attempt < 3)
            {
                continue;
            }

            if (errno is not (Errno.None or Errno.EEXIST))
            {
                throw new CgroupException("mkdir", current, errno);
            }

            var dir = new CgroupDirectory(current);
            dir._createdParents.AddRange(created.Where(d => d != current));
            return dir;
        }
    }

    /// <summary>Removes the leaf (retrying EBUSY briefly), then the parents we created if nobody else uses them.</summary>
    public void Delete()
    {
        RemoveLeaf(FullPath);
        for (var i = _createdParents.Count - 1; i >= 0; i--)
        {
            var errno = Libc.Rmdir(_createdParents[i]);
            // A parent still holding another cgroup stays. It outlives us unless we are the last one out: only
            // its creator removes it, so a shared parent like /k8s.io may remain (runc never removes parents).
            if (errno is Errno.EBUSY or Errno.ENOTEMPTY or Errno.EEXIST)
            {
                break;
            }

            if (errno is not (Errno.None or Errno.ENOENT))
            {
                throw new CgroupException("rmdir", _createdParents[i], errno);
            }
        }
    }

    private static void RemoveLeaf(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            var errno = Libc.Rmdir(path);
            if (errno is Errno.None or Errno.ENOENT)
            {
                return;
            }

            if (errno != Errno.EBUSY || attempt >= RmdirAttempts)
            {
                throw new CgroupException("rmdir", path, errno);
            }

            Thread.Sleep(RmdirBackoff);
        }
    }
}
