using System.Text.Json;

namespace Wasmcell.Oci.RuntimeSpec;

/// <summary>
/// Reads config.json into <see cref="Spec"/> with a forward-only <see cref="Utf8JsonReader"/>. Every cell reads
/// its spec once, on the path of container start, and System.Text.Json's source-generated reader first spends
/// ~1.2 ms building metadata for these types (93% of that parse, profiled), which this skips. Same rules as
/// the generated reader: unknown properties are skipped, JSON null leaves the default, a value of the wrong
/// type or trailing content is a <see cref="JsonException"/> naming the property.
/// </summary>
public static class SpecReader
{
    public static Spec Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        Next(ref reader, "config.json");
        if (reader.TokenType == JsonTokenType.Null)
        {
            throw new JsonException("the document is null, not an OCI spec object");
        }
        var spec = new Spec();
        ReadObject(ref reader, "$", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "ociVersion": spec.OciVersion = String(ref r, name); break;
                case "process": spec.Process = Object(ref r, name, ReadProcess); break;
                case "root": spec.Root = Object(ref r, name, ReadRoot); break;
                case "hostname": spec.Hostname = String(ref r, name); break;
                case "mounts": spec.Mounts = Array(ref r, name, (ref Utf8JsonReader e) => Element(ref e, "mounts", ReadMount)); break;
                case "annotations": spec.Annotations = StringMap(ref r, name); break;
                case "linux": spec.Linux = Object(ref r, name, ReadLinux); break;
                default: r.Skip(); break;
            }
        });
        if (reader.Read())
        {
            throw new JsonException($"unexpected content after the spec object at byte {reader.TokenStartIndex}");
        }
        return spec;
    }

    /// <summary>
    /// Reads a lone <c>linux.resources</c> object (the Update RPC's payload) by the same rules as the one in
    /// config.json, so an update and a create can never disagree about a field.
    /// </summary>
    public static LinuxResources ReadResources(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        Next(ref reader, "resources");
        if (reader.TokenType == JsonTokenType.Null)
        {
            throw new JsonException("the document is null, not a resources object");
        }
        var resources = ReadResources(ref reader);
        if (reader.Read())
        {
            throw new JsonException($"unexpected content after the resources object at byte {reader.TokenStartIndex}");
        }
        return resources;
    }

    private static Process ReadProcess(ref Utf8JsonReader reader)
    {
        var p = new Process();
        ReadObject(ref reader, "process", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "terminal": p.Terminal = Bool(ref r, name) ?? false; break;
                case "user": p.User = Object(ref r, name, ReadUser); break;
                case "args": p.Args = Strings(ref r, name); break;
                case "env": p.Env = Strings(ref r, name); break;
                case "cwd": p.Cwd = String(ref r, name); break;
                case "rlimits": p.Rlimits = Array(ref r, name, (ref Utf8JsonReader e) => Element(ref e, "rlimits", ReadRlimit)); break;
                case "noNewPrivileges": p.NoNewPrivileges = Bool(ref r, name) ?? false; break;
                case "apparmorProfile": p.ApparmorProfile = String(ref r, name); break;
                case "selinuxLabel": p.SelinuxLabel = String(ref r, name); break;
                default: r.Skip(); break;
            }
        });
        return p;
    }

    private static User ReadUser(ref Utf8JsonReader reader)
    {
        var u = new User();
        ReadObject(ref reader, "process.user", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "uid": u.Uid = UInt32(ref r, name) ?? 0; break;
                case "gid": u.Gid = UInt32(ref r, name) ?? 0; break;
                case "additionalGids": u.AdditionalGids = Array(ref r, name, (ref Utf8JsonReader e) => UInt32(ref e, "additionalGids[]") ?? 0); break;
                default: r.Skip(); break;
            }
        });
        return u;
    }

    private static Rlimit ReadRlimit(ref Utf8JsonReader reader)
    {
        var l = new Rlimit();
        ReadObject(ref reader, "rlimits[]", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "type": l.Type = String(ref r, name) ?? ""; break;
                case "hard": l.Hard = UInt64(ref r, name) ?? 0; break;
                case "soft": l.Soft = UInt64(ref r, name) ?? 0; break;
                default: r.Skip(); break;
            }
        });
        return l;
    }

    private static Root ReadRoot(ref Utf8JsonReader reader)
    {
        var root = new Root();
        ReadObject(ref reader, "root", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "path": root.Path = String(ref r, name) ?? root.Path; break;
                case "readonly": root.Readonly = Bool(ref r, name) ?? false; break;
                default: r.Skip(); break;
            }
        });
        return root;
    }

    private static Mount ReadMount(ref Utf8JsonReader reader)
    {
        var m = new Mount();
        ReadObject(ref reader, "mounts[]", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "destination": m.Destination = String(ref r, name) ?? ""; break;
                case "type": m.Type = String(ref r, name); break;
                case "source": m.Source = String(ref r, name); break;
                case "options": m.Options = Strings(ref r, name); break;
                default: r.Skip(); break;
            }
        });
        return m;
    }

    private static Linux ReadLinux(ref Utf8JsonReader reader)
    {
        var l = new Linux();
        ReadObject(ref reader, "linux", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "namespaces": l.Namespaces = Array(ref r, name, (ref Utf8JsonReader e) => Element(ref e, "namespaces", ReadNamespace)); break;
                case "cgroupsPath": l.CgroupsPath = String(ref r, name); break;
                case "resources": l.Resources = Object(ref r, name, ReadResources); break;
                case "seccomp": l.Seccomp = Object(ref r, name, ReadSeccomp); break;
                case "uidMappings": l.UidMappings = Array(ref r, name, (ref Utf8JsonReader e) => Element(ref e, name, ReadIdMapping)); break;
                case "gidMappings": l.GidMappings = Array(ref r, name, (ref Utf8JsonReader e) => Element(ref e, name, ReadIdMapping)); break;
                case "maskedPaths": l.MaskedPaths = Strings(ref r, name); break;
                case "readonlyPaths": l.ReadonlyPaths = Strings(ref r, name); break;
                case "mountLabel": l.MountLabel = String(ref r, name); break;
                default: r.Skip(); break;
            }
        });
        return l;
    }

    private static IdMapping ReadIdMapping(ref Utf8JsonReader reader)
    {
        var m = new IdMapping();
        ReadObject(ref reader, "idMappings[]", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "containerID": m.ContainerId = UInt32(ref r, name) ?? 0; break;
                case "hostID": m.HostId = UInt32(ref r, name) ?? 0; break;
                case "size": m.Size = UInt32(ref r, name) ?? 0; break;
                default: r.Skip(); break;
            }
        });
        return m;
    }

    private static Namespace ReadNamespace(ref Utf8JsonReader reader)
    {
        var ns = new Namespace();
        ReadObject(ref reader, "namespaces[]", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "type": ns.Type = String(ref r, name) ?? ""; break;
                case "path": ns.Path = String(ref r, name); break;
                default: r.Skip(); break;
            }
        });
        return ns;
    }

    private static LinuxResources ReadResources(ref Utf8JsonReader reader)
    {
        var res = new LinuxResources();
        ReadObject(ref reader, "resources", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "memory": res.Memory = Object(ref r, name, ReadMemory); break;
                case "cpu": res.Cpu = Object(ref r, name, ReadCpu); break;
                case "pids": res.Pids = Object(ref r, name, ReadPids); break;
                case "unified": res.Unified = StringMap(ref r, name); break;
                case "devices": res.Devices = Array(ref r, name, (ref Utf8JsonReader e) => Element(ref e, "resources.devices", ReadDeviceRule)); break;
                default: r.Skip(); break;
            }
        });
        return res;
    }

    private static LinuxDeviceCgroup ReadDeviceRule(ref Utf8JsonReader reader)
    {
        var d = new LinuxDeviceCgroup();
        ReadObject(ref reader, "resources.devices[]", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "allow": d.Allow = Bool(ref r, name) ?? false; break;
                case "type": d.Type = String(ref r, name); break;
                case "major": d.Major = Int64(ref r, name); break;
                case "minor": d.Minor = Int64(ref r, name); break;
                case "access": d.Access = String(ref r, name); break;
                default: r.Skip(); break;
            }
        });
        return d;
    }

    private static LinuxSeccomp ReadSeccomp(ref Utf8JsonReader reader)
    {
        var s = new LinuxSeccomp();
        ReadObject(ref reader, "seccomp", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "defaultAction": s.DefaultAction = String(ref r, name) ?? ""; break;
                case "defaultErrnoRet": s.DefaultErrnoRet = UInt32(ref r, name); break;
                case "architectures": s.Architectures = Strings(ref r, name); break;
                case "flags": s.Flags = Strings(ref r, name); break;
                case "listenerPath": s.ListenerPath = String(ref r, name); break;
                case "syscalls": s.Syscalls = Array(ref r, name, (ref Utf8JsonReader e) => Element(ref e, "seccomp.syscalls", ReadSyscall)); break;
                default: r.Skip(); break;
            }
        });
        return s;
    }

    private static LinuxSyscall ReadSyscall(ref Utf8JsonReader reader)
    {
        var c = new LinuxSyscall();
        ReadObject(ref reader, "seccomp.syscalls[]", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "names": c.Names = Strings(ref r, name); break;
                case "action": c.Action = String(ref r, name) ?? ""; break;
                case "errnoRet": c.ErrnoRet = UInt32(ref r, name); break;
                case "args": c.Args = Array(ref r, name, (ref Utf8JsonReader e) => Element(ref e, "seccomp.syscalls[].args", ReadSeccompArg)); break;
                default: r.Skip(); break;
            }
        });
        return c;
    }

    private static LinuxSeccompArg ReadSeccompArg(ref Utf8JsonReader reader)
    {
        var a = new LinuxSeccompArg();
        ReadObject(ref reader, "seccomp.syscalls[].args[]", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "index": a.Index = UInt32(ref r, name) ?? 0; break;
                case "value": a.Value = UInt64(ref r, name) ?? 0; break;
                case "valueTwo": a.ValueTwo = UInt64(ref r, name) ?? 0; break;
                case "op": a.Op = String(ref r, name) ?? ""; break;
                default: r.Skip(); break;
            }
        });
        return a;
    }

    private static LinuxMemory ReadMemory(ref Utf8JsonReader reader)
    {
        var m = new LinuxMemory();
        ReadObject(ref reader, "resources.memory", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "limit": m.Limit = Int64(ref r, name); break;
                case "reservation": m.Reservation = Int64(ref r, name); break;
                case "swap": m.Swap = Int64(ref r, name); break;
                case "disableOOMKiller": m.DisableOomKiller = Bool(ref r, name); break;
                default: r.Skip(); break;
            }
        });
        return m;
    }

    private static LinuxCpu ReadCpu(ref Utf8JsonReader reader)
    {
        var c = new LinuxCpu();
        ReadObject(ref reader, "resources.cpu", (ref Utf8JsonReader r, string name) =>
        {
            switch (name)
            {
                case "shares": c.Shares = UInt64(ref r, name); break;
                case "quota": c.Quota = Int64(ref r, name); break;
                case "period": c.Period = UInt64(ref r, name); break;
                case "cpus": c.Cpus = String(ref r, name); break;
                case "mems": c.Mems = String(ref r, name); break;
                default: r.Skip(); break;
            }
        });
        return c;
    }

    private static LinuxPids ReadPids(ref Utf8JsonReader reader)
    {
        var p = new LinuxPids();
        ReadObject(ref reader, "resources.pids", (ref Utf8JsonReader r, string name) =>
        {
            if (name == "limit")
            {
                p.Limit = Int64(ref r, name) ?? 0;
            }
            else
            {
                r.Skip();
            }
        });
        return p;
    }

    private delegate void PropertyReader(ref Utf8JsonReader reader, string name);

    private delegate T ValueReader<T>(ref Utf8JsonReader reader);

    /// <summary>At a StartObject: calls <paramref name="property"/> positioned on each value, in order.</summary>
    private static void ReadObject(ref Utf8JsonReader reader, string what, PropertyReader property)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"{what} must be an object, not {reader.TokenType}");
        }
        while (true)
        {
            Next(ref reader, what);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return;
            }
            var name = reader.GetString()!;
            Next(ref reader, name);
            property(ref reader, name);
        }
    }

    private static T? Object<T>(ref Utf8JsonReader reader, string name, ValueReader<T> read) where T : class =>
        reader.TokenType == JsonTokenType.Null ? null : read(ref reader);

    private static T Element<T>(ref Utf8JsonReader reader, string array, ValueReader<T> read) where T : class =>
        Object(ref reader, array, read) ?? throw new JsonException($"\"{array}\" holds a null");

    private static List<T>? Array<T>(ref Utf8JsonReader reader, string name, ValueReader<T> element)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"\"{name}\" must be an array, not {reader.TokenType}");
        }
        var list = new List<T>();
        while (true)
        {
            Next(ref reader, name);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return list;
            }
            list.Add(element(ref reader));
        }
    }

    private static List<string>? Strings(ref Utf8JsonReader reader, string name) =>
        Array(ref reader, name, (ref Utf8JsonReader e) => String(ref e, name) ?? throw new JsonException($"\"{name}\" holds a null"));

    private static Dictionary<string, string>? StringMap(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        ReadObject(ref reader, name, (ref Utf8JsonReader r, string key) =>
            map[key] = String(ref r, key) ?? throw new JsonException($"\"{name}\".\"{key}\" is null"));
        return map;
    }

    private static string? String(ref Utf8JsonReader reader, string name) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"\"{name}\" must be a string, not {reader.TokenType}"),
    };

    private static bool? Bool(ref Utf8JsonReader reader, string name) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.Null => null,
        _ => throw new JsonException($"\"{name}\" must be true or false, not {reader.TokenType}"),
    };

    private static uint? UInt32(ref Utf8JsonReader reader, string name) =>
        reader.TokenType == JsonTokenType.Null ? null
        : reader.TokenType == JsonTokenType.Number && reader.TryGetUInt32(out var v) ? v
        : throw new JsonException($"\"{name}\" must be an unsigned 32-bit number");

    private static ulong? UInt64(ref Utf8JsonReader reader, string name) =>
        reader.TokenType == JsonTokenType.Null ? null
        : reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out var v) ? v
        : throw new JsonException($"\"{name}\" must be an unsigned 64-bit number");

    private static long? Int64(ref Utf8JsonReader reader, string name) =>
        reader.TokenType == JsonTokenType.Null ? null
        : reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var v) ? v
        : throw new JsonException($"\"{name}\" must be a 64-bit number");

    private static void Next(ref Utf8JsonReader reader, string what)
    {
        if (!reader.Read())
        {
            throw new JsonException($"config.json ends inside {what}");
        }
    }
}
