using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Wasmcell.Linux;
using Wasmtime;

namespace Wasmcell.Runtime.Components;

/// <summary>
/// The wasi_config_t of a command component, made from a <see cref="CellSpec"/>: what the guest is given and
/// nothing else (Wasmtime's p2 WASI: its own file system confinement, cap-std's; a read-only preopen refuses
/// writes with EPERM). Stdio the spec leaves null is the process's own fd 0/1/2 (the container's FIFOs in a cell).
/// A config must reach the store before anything runs: a store without one aborts the process at the first WASI
/// call (components.md).
/// </summary>
internal sealed unsafe class WasiP2Config : IDisposable
{
    private IntPtr _config;

    private WasiP2Config(IntPtr config) => _config = config;

    public static WasiP2Config From(CellSpec spec)
    {
        var config = new WasiP2Config(WasmtimeNative.WasiConfigNew());
        try
        {
            config.SetArgs(spec.Args);
            config.SetEnv(spec.Env);
            foreach (var preopen in spec.Preopens)
            {
                if (!WasmtimeNative.WasiConfigPreopenDir(config._config, preopen.HostPath, preopen.GuestPath, !preopen.ReadOnly))
                {
                    throw new IOException($"cannot preopen {preopen.GuestPath} for the component");
                }
            }
            config.SetStdio(spec);
            if (spec.AllowSocketExtension)
            {
                // Wasmtime's p2 sockets are all or nothing (no address allow-list); the container's socket policy
                // (CellSpec.AllowSocketExtension) is the one decision for every ABI.
                WasmtimeNative.WasiConfigInheritNetwork(config._config);
                WasmtimeNative.WasiConfigAllowIpNameLookup(config._config, true);
            }
            return config;
        }
        catch
        {
            config.Dispose();
            throw;
        }
    }

    /// <summary>Hands the config to <paramref name="store"/> (which owns it from here on).</summary>
    public void MoveInto(Store store)
    {
        var config = Interlocked.Exchange(ref _config, IntPtr.Zero);
        ObjectDisposedException.ThrowIf(config == IntPtr.Zero, this);
        var error = WasmtimeNative.ContextSetWasi(WasmtimeNative.ContextOf(store), config);
        if (error != IntPtr.Zero)
        {
            throw new WasmtimeException($"cannot give the component its WASI context: {WasmtimeNative.TakeErrorMessage(error)}");
        }
    }

    public void Dispose()
    {
        var config = Interlocked.Exchange(ref _config, IntPtr.Zero);
        if (config != IntPtr.Zero)
        {
            WasmtimeNative.WasiConfigDelete(config);
        }
    }

    private void SetArgs(IReadOnlyList<string> args)
    {
        using var strings = new Utf8Strings(args);
        if (!WasmtimeNative.WasiConfigSetArgv(_config, (nuint)args.Count, strings.Pointers))
        {
            throw new ArgumentException("the component's arguments are not valid UTF-8");
        }
    }

    private void SetEnv(IReadOnlyList<string> env)
    {
        // "KEY=VALUE", as config.json has them; an entry without '=' is a variable with an empty value.
        var names = env.Select(e => e.IndexOf('=') is var i and >= 0 ? e[..i] : e).ToList();
        var values = env.Select(e => e.IndexOf('=') is var i and >= 0 ? e[(i + 1)..] : "").ToList();
        using var nameStrings = new Utf8Strings(names);
        using var valueStrings = new Utf8Strings(values);
        if (!WasmtimeNative.WasiConfigSetEnv(_config, (nuint)env.Count, nameStrings.Pointers, valueStrings.Pointers))
        {
            throw new ArgumentException("the component's environment is not valid UTF-8");
        }
    }

    private void SetStdio(CellSpec spec)
    {
        if (spec.Stdin is { } stdin)
        {
            // Opened again through /proc: the caller's handle stays its own.
            if (!WasmtimeNative.WasiConfigSetStdinFile(_config, $"/proc/self/fd/{stdin.DangerousGetHandle()}"))
            {
                throw new IOException("cannot open the component's stdin");
            }
        }
        else
        {
            WasmtimeNative.WasiConfigInheritStdin(_config);
        }
        // A handle is written as it is (no reopen: a path would be truncated and a FIFO could block on open).
        if (spec.Stdout is { } stdout)
        {
            WasmtimeNative.WasiConfigSetStdoutCustom(_config, &WriteToFd, FdOf(stdout), IntPtr.Zero);
        }
        else
        {
            WasmtimeNative.WasiConfigInheritStdout(_config);
        }
        if (spec.Stderr is { } stderr)
        {
            WasmtimeNative.WasiConfigSetStderrCustom(_config, &WriteToFd, FdOf(stderr), IntPtr.Zero);
        }
        else
        {
            WasmtimeNative.WasiConfigInheritStderr(_config);
        }
    }

    // The caller keeps the handle open for the run (CellSpec owns it), so the number stays valid.
    private static IntPtr FdOf(SafeFileHandle handle) => handle.DangerousGetHandle();

    [UnmanagedCallersOnly]
    private static nint WriteToFd(IntPtr fd, byte* data, nuint length)
    {
        try
        {
            Libc.WriteAll((int)fd, new ReadOnlySpan<byte>(data, checked((int)length)));
            return (nint)length;
        }
        catch (Exception e) when (e is IOException or OverflowException)
        {
            return -1;
        }
    }

    /// <summary>NUL-terminated UTF-8 copies of strings and an array of pointers to them, freed together.</summary>
    private sealed class Utf8Strings : IDisposable
    {
        private readonly IntPtr[] _strings;
        private readonly GCHandle _array;

        public Utf8Strings(IReadOnlyList<string> values)
        {
            _strings = [.. values.Select(v => Marshal.StringToCoTaskMemUTF8(v))];
            _array = GCHandle.Alloc(_strings, GCHandleType.Pinned);
        }

        public byte** Pointers => (byte**)_array.AddrOfPinnedObject();

        public void Dispose()
        {
            _array.Free();
            foreach (var s in _strings)
            {
                Marshal.FreeCoTaskMem(s);
            }
        }
    }
}
