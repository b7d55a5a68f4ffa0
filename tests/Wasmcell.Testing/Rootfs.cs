namespace Wasmcell.Testing;

/// <summary>Directory root filesystems for `ctr run --rootfs`.</summary>
public static class Rootfs
{
    public const string GreetingPath = "/data/greeting.txt";
    public const string Greeting = "hello-data";

    private static readonly string[] Applets = ["sh", "echo", "cat", "sleep", "awk", "env", "pwd", "touch", "true", "printf"];

    // The native twin of args-env-cwd.wasm: same output format, run as a `#!` script.
    private const string ArgsEnvCwdScript = """
        #!/bin/sh
        printf 'arg[0]=%s\n' "$0"
        i=0
        for a in "$@"; do i=$((i + 1)); printf 'arg[%d]=%s\n' "$i" "$a"; done
        env | while IFS= read -r line; do printf 'env:%s\n' "$line"; done
        printf 'cwd=%s\n' "$(pwd)"
        if [ -n "$SHOW_FILE" ]; then printf 'file=%s\n' "$(cat "$SHOW_FILE")"; fi
        sleep 0.2

        """;

    /// <summary>Every test module at the root, plus the shared data files.</summary>
    public static string CreateWasm(string dir)
    {
        AddData(dir);
        foreach (var module in Directory.EnumerateFiles(TestWasm.Dir, "*.wasm"))
        {
            File.Copy(module, Path.Combine(dir, Path.GetFileName(module)), overwrite: true);
        }

        return dir;
    }

    /// <summary>Static busybox with symlinked applets in /bin, /args-env-cwd.sh, plus the shared data files.</summary>
    public static string CreateBusybox(string dir)
    {
        AddData(dir);
        var bin = Directory.CreateDirectory(Path.Combine(dir, "bin")).FullName;
        var busybox = new[] { "/bin/busybox", "/usr/bin/busybox" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("static busybox missing: apt-get install -y busybox-static");
        File.Copy(busybox, Path.Combine(bin, "busybox"), overwrite: true);
        foreach (var applet in Applets)
        {
            var link = Path.Combine(bin, applet);
            if (!File.Exists(link))
            {
                File.CreateSymbolicLink(link, "busybox");
            }
        }
        var script = Path.Combine(dir, "args-env-cwd.sh");
        File.WriteAllText(script, ArgsEnvCwdScript.Replace("\r\n", "\n"));
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        return dir;
    }

    private static void AddData(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "data"));
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        File.WriteAllText(Path.Combine(dir, "data", "greeting.txt"), Greeting);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "just some notes, not a program\n");
    }
}
