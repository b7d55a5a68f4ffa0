namespace Wasmcell.Wasi.Tests.Infrastructure;

/// <summary>
/// Builds the C test programs of tests/wasm-wasi with clang --target=wasm32-wasi (Debian's
/// clang + wasi-libc) into one temp folder, again whenever the source is newer than the module.
/// </summary>
internal static class CProgram
{
    private static readonly string OutDir = Directory.CreateDirectory(
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wasmcell-wasm-wasi")).FullName;
    private static readonly object Gate = new();

    public static string Build(string name)
    {
        lock (Gate)
        {
            var output = System.IO.Path.Combine(OutDir, name + ".wasm");
            var source = System.IO.Path.Combine(RepoLayout.Root, "tests/wasm-wasi", name + ".c");
            if (File.Exists(output) && File.GetLastWriteTimeUtc(output) >= File.GetLastWriteTimeUtc(source))
            {
                return output;
            }
            // Build to a private name and rename: another test process may be reading the module.
            var temp = output + "." + Environment.ProcessId + ".tmp";
            var clang = CommandRunner.Run("clang", ["--target=wasm32-wasi", "-O2", "-Werror", "-o", temp, source], TimeSpan.FromMinutes(2));
            if (clang.ExitCode != 0)
            {
                throw new InvalidOperationException($"clang failed for {source}:\n{clang.Describe()}");
            }

            File.Move(temp, output, overwrite: true);
            return output;
        }
    }
}
