using System.Formats.Tar;
using System.IO.Compression;

namespace Wasmcell.Oci.Images;

/// <summary>
/// Writes image layers whose bytes depend only on the file contents and paths: entries sorted by
/// name, parent directories made explicit, mtime 0, uid/gid 0, no user/group names, and a gzip
/// header with fixed mtime/flags/OS bytes. Same input, same digest, on any machine with the same
/// .NET (the deflate output itself comes from the runtime's bundled zlib-ng).
/// </summary>
internal static class ReproducibleTar
{
    private const UnixFileMode DirMode = (UnixFileMode)0b111_101_101; // 0755
    private const UnixFileMode ExecMode = (UnixFileMode)0b111_101_101; // 0755
    private const UnixFileMode FileMode = (UnixFileMode)0b110_100_100; // 0644

    public static byte[] CreateTar(IEnumerable<LayerEntry> entries)
    {
        var files = new SortedDictionary<string, LayerEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (!files.TryAdd(entry.TarName, entry))
            {
                throw new ArgumentException($"the image path '{entry.Path}' is given twice");
            }
        }

        var directories = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (name, entry) in files.Where(f => f.Value.IsDirectory).ToList())
        {
            files.Remove(name);
            directories.Add(name + "/");
        }
        foreach (var name in files.Keys.Concat(directories.ToList()))
        {
            for (var slash = name.IndexOf('/'); slash > 0; slash = name.IndexOf('/', slash + 1))
            {
                directories.Add(name[..(slash + 1)]);
            }
        }

        // Ordinal order of "dir/" and "dir/file" puts each directory before its content.
        var names = new SortedSet<string>(files.Keys, StringComparer.Ordinal);
        names.UnionWith(directories);

        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var name in names)
            {
                if (directories.Contains(name))
                {
                    writer.WriteEntry(Normalize(new UstarTarEntry(TarEntryType.Directory, name), DirMode));
                    continue;
                }

                var file = files[name];
                using var content = File.OpenRead(file.SourceFile);
                var entry = Normalize(new UstarTarEntry(TarEntryType.RegularFile, name), file.Executable ? ExecMode : FileMode);
                entry.DataStream = content;
                writer.WriteEntry(entry);
            }
        }

        return output.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(data);
        }

        var bytes = output.ToArray();

        // RFC 1952 header: bytes 4..7 MTIME, 8 XFL, 9 OS. Pin them so nothing host-specific leaks in.
        bytes[4] = bytes[5] = bytes[6] = bytes[7] = 0;
        bytes[8] = 2; // "maximum compression"
        bytes[9] = 3; // Unix
        return bytes;
    }

    private static UstarTarEntry Normalize(UstarTarEntry entry, UnixFileMode mode)
    {
        entry.ModificationTime = DateTimeOffset.UnixEpoch;
        entry.Uid = 0;
        entry.Gid = 0;
        entry.UserName = string.Empty;
        entry.GroupName = string.Empty;
        entry.Mode = mode;
        return entry;
    }
}
