using System.Globalization;

namespace Wasmcell.IntegrationTests.Infrastructure;

/// <summary>
/// The test programs as argv for a flavour: the wasm module, or the busybox program that behaves the
/// same (same output, same exit code, SIGTERM ends it with 143), so each scenario also runs through runc.
/// </summary>
internal sealed class Programs(Flavor flavor)
{
    /// <summary>
    /// Native twins linger this long after their last output: runc's shim can report the exit while the
    /// output is still being copied, and ctr stops reading at exit, so under load a fast native program's
    /// output is sometimes lost (seen here with runc). The wasm shim must flush before reporting the exit
    /// (SPEC §6.4), so the modules exit right away.
    /// </summary>
    public const string NativeLinger = "sleep 0.2";

    private bool Wasm => flavor == Flavor.Wasm;

    public IReadOnlyList<string> Hello => Wasm ? ["/hello.wasm"] : ["/bin/sh", "-c", $"echo hello from wasm; {NativeLinger}"];

    public IReadOnlyList<string> ExitCode(int code) => Wasm
        ? ["/exitcode.wasm", Str(code)]
        : ["/bin/sh", "-c", $"echo 'exitcode: exiting with {code}'; echo 'exitcode: stderr line, code {code}' >&2; {NativeLinger}; exit {code}"];

    public IReadOnlyList<string> ArgsEnvCwd(params string[] args) =>
        [Wasm ? "/args-env-cwd.wasm" : "/args-env-cwd.sh", .. args];

    public IReadOnlyList<string> CatStdin => Wasm ? ["/cat-stdin.wasm"] : ["/bin/sh", "-c", $"cat; echo EOF; {NativeLinger}"];

    /// <summary><see cref="CatStdin"/> that first waits <paramref name="ms"/> ms, letting input pile up in the FIFO.</summary>
    public IReadOnlyList<string> CatStdinAfter(int ms) => Wasm
        ? ["/cat-stdin.wasm", Str(ms)]
        : ["/bin/sh", "-c", string.Create(CultureInfo.InvariantCulture, $"sleep {ms / 1000.0:0.###}; cat; echo EOF; {NativeLinger}")];

    // sh as PID 1 ignores SIGTERM unless trapped; the trap is what a graceful native program does.
    public IReadOnlyList<string> Spin => Wasm
        ? ["/spin.wasm"]
        : ["/bin/sh", "-c", "trap 'exit 143' TERM; echo spinning; while :; do :; done"];

    public IReadOnlyList<string> Sleep => Wasm
        ? ["/sleep.wasm"]
        : ["/bin/sh", "-c", "trap 'exit 143' TERM; echo sleeping; sleep 600 & wait"];

    // The native twin lingers 1 s: 8 MiB through runc under load lost its last ~120 KiB once (see NativeLinger).
    public IReadOnlyList<string> BigOut(int mib) => Wasm
        ? ["/bigout.wasm", Str(mib)]
        : ["/bin/sh", "-c",
           "awk -v mib=\"$0\" 'BEGIN { a = \"abcdefghijklmnopqrstuvwxyz\"; a = a a a a; n = mib * 16384; " +
           "for (i = 0; i < n; i++) printf \"%016d%s\\n\", i, substr(a, ((i + 16) % 26) + 1, 47) }'; sleep 1",
           Str(mib)];

    public IReadOnlyList<string> WriteRoot(string path) => Wasm
        ? ["/write-root.wasm", path]
        : ["/bin/sh", "-c", $"if msg=$(touch {path} 2>&1); then echo 'write-root: ok'; else echo \"write-root: errno=? $msg\"; fi; {NativeLinger}"];

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);
}
