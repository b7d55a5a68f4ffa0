namespace Wasmcell.Shim;

/// <summary>
/// containerd's shim command line, parsed with Go `flag` rules (SPEC §2.1): `-name value`, `-name=value`,
/// `--name`, boolean `-debug`, parsing stops at the first non-flag (the action) or `--`.
/// Unknown boolean flags are tolerated for forward compatibility.
/// </summary>
public sealed class ShimFlags
{
    private static readonly HashSet<string> ValueFlags = ["namespace", "address", "publish-binary", "id", "bundle", "socket", "debug-socket"];

    public string Namespace { get; private set; } = "";
    public string Address { get; private set; } = "";
    public string PublishBinary { get; private set; } = "";
    public string Id { get; private set; } = "";
    public string Bundle { get; private set; } = "";
    public string Socket { get; private set; } = "";
    public bool Debug { get; private set; }
    public bool Version { get; private set; }
    public bool Info { get; private set; }

    /// <summary>The daemon hosts its Wasm containers in one shared cell (set by the launcher: <see cref="Isolation"/>).</summary>
    public bool Shared { get; private set; }
    public string Action { get; private set; } = "";

    public static ShimFlags Parse(IReadOnlyList<string> args)
    {
        var f = new ShimFlags();
        var i = 0;
        for (; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                i++;
                break;
            }
            if (a.Length < 2 || a[0] != '-')
            {
                break;
            }
            var name = a.TrimStart('-');
            string? value = null;
            var eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            if (ValueFlags.Contains(name))
            {
                if (value is null)
                {
                    if (i + 1 >= args.Count)
                    {
                        throw new ArgumentException($"flag needs an argument: -{name}");
                    }
                    value = args[++i];
                }
                f.Set(name, value);
            }
            else
            {
                var on = value is null || value is "true" or "1" or "t" or "T" or "TRUE" or "True";
                switch (name)
                {
                    case "debug": f.Debug = on; break;
                    case "v" or "version": f.Version = on; break;
                    case "info": f.Info = on; break;
                    case "shared": f.Shared = on; break;
                    default: break; // unknown boolean flag: ignored
                }
            }
        }
        if (i < args.Count)
        {
            f.Action = args[i];
        }
        return f;
    }

    private void Set(string name, string value)
    {
        switch (name)
        {
            case "namespace": Namespace = value; break;
            case "address": Address = value; break;
            case "publish-binary": PublishBinary = value; break;
            case "id": Id = value; break;
            case "bundle": Bundle = value; break;
            case "socket": Socket = value; break;
        }
    }
}
