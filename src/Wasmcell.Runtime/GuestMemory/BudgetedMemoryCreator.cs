using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Wasmtime;

namespace Wasmcell.Runtime.GuestMemory;

/// <summary>
/// Wasmtime's host memory creator, installed on an engine's Config: every linear memory is an mmap of its own, laid out
/// as Wasmtime's own (a guard before, the reservation, a guard after, all inaccessible until grown into), and charged
/// with its growth to the <see cref="MemoryBudget"/> of the thread that made it. A store limiter refuses a grow
/// silently and counts nothing; this one reports the refusal (a shared cell's TaskOOM) and knows each guest's total.
/// Wasmtime cannot put copy-on-write memory images on a memory it does not map itself, so an engine with this
/// creator must turn memory_init_cow off (WasmEngine's shared flavour does, and its cache fingerprint says so).
/// </summary>
internal static unsafe partial class BudgetedMemoryCreator
{
    private const int ProtNone = 0, ProtReadWrite = 3;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20, MapNoReserve = 0x4000;
    private const long HostPage = 4096;

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_NativeHandle")]
    [return: UnsafeAccessorType("Wasmtime.Config+Handle, Wasmtime.Dotnet")]
    private static extern object ConfigHandle(Config config);

    /// <summary>Installs the creator; the Config copies the struct, and the callbacks are static.</summary>
    public static Config Install(Config config)
    {
        var creator = new CreatorStruct
        {
            Env = IntPtr.Zero,
            NewMemory = &NewMemory,
            Finalizer = null,
        };
        SetCreator(((SafeHandle)ConfigHandle(config)).DangerousGetHandle(), &creator);
        return config;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static IntPtr NewMemory(IntPtr env, IntPtr type, nuint minimum, nuint maximum, nuint reserved, nuint guard, LinearMemoryStruct* result)
    {
        _ = env;
        _ = type;
        _ = maximum;
        try
        {
            var memory = Mapping.Create((long)minimum, (long)reserved, (long)guard, MemoryBudget.Current);
            *result = new LinearMemoryStruct
            {
                Env = GCHandle.ToIntPtr(GCHandle.Alloc(memory)),
                GetMemory = &GetMemory,
                GrowMemory = &GrowMemory,
                Finalizer = &Release,
            };
            return IntPtr.Zero;
        }
        catch (Exception e)
        {
            return Error(e.Message);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static byte* GetMemory(IntPtr env, nuint* byteSize, nuint* byteCapacity)
    {
        var memory = (Mapping)GCHandle.FromIntPtr(env).Target!;
        *byteSize = (nuint)memory.Size;
        *byteCapacity = (nuint)memory.Capacity;
        return memory.Base;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static IntPtr GrowMemory(IntPtr env, nuint newSize)
    {
        try
        {
            return ((Mapping)GCHandle.FromIntPtr(env).Target!).GrowTo((long)newSize) is { } refusal ? Error(refusal) : IntPtr.Zero;
        }
        catch (Exception e)
        {
            return Error(e.Message);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Release(IntPtr env)
    {
        var handle = GCHandle.FromIntPtr(env);
        ((Mapping)handle.Target!).Dispose();
        handle.Free();
    }

    private static IntPtr Error(string message)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(message + "\0");
        fixed (byte* text = bytes)
        {
            return ErrorNew(text);
        }
    }

    private static long RoundUp(long bytes) => (bytes + HostPage - 1) & ~(HostPage - 1);

    /// <summary>One linear memory: [guard][accessible size … capacity][guard], only the accessible part read-write.</summary>
    private sealed class Mapping : IDisposable
    {
        private readonly byte* _start;
        private readonly long _length;
        private readonly MemoryBudget? _budget;

        private Mapping(byte* start, long length, long guard, long capacity, MemoryBudget? budget)
        {
            _start = start;
            _length = length;
            _budget = budget;
            Base = start + guard;
            Capacity = capacity;
        }

        public byte* Base { get; }

        public long Size { get; private set; }

        public long Capacity { get; }

        public static Mapping Create(long minimum, long reserved, long guard, MemoryBudget? budget)
        {
            if (budget is not null && !budget.TryCharge(minimum))
            {
                throw new OutOfMemoryException($"a linear memory of {minimum} bytes does not fit the container's memory limit of {budget.LimitBytes} bytes");
            }
            try
            {
                return Map(minimum, reserved, guard, budget);
            }
            catch
            {
                budget?.Release(minimum);
                throw;
            }
        }

        private static Mapping Map(long minimum, long reserved, long guard, MemoryBudget? budget)
        {
            guard = RoundUp(guard);
            var capacity = RoundUp(Math.Max(minimum, reserved));
            var length = guard + capacity + guard;
            var start = Mmap(IntPtr.Zero, (nuint)length, ProtNone, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
            if (start == -1)
            {
                throw new OutOfMemoryException($"cannot reserve {length} bytes of address space for a linear memory (errno {Marshal.GetLastPInvokeError()})");
            }
            var mapping = new Mapping((byte*)start, length, guard, capacity, budget);
            if (mapping.Protect(minimum) is { } failed)
            {
                _ = Munmap(start, (nuint)length);
                throw new OutOfMemoryException(failed);
            }
            mapping.Size = minimum;
            return mapping;
        }

        /// <summary>Null when grown; otherwise why not (memory.grow then returns -1).</summary>
        public string? GrowTo(long newSize)
        {
            if (newSize > Capacity)
            {
                return $"memory.grow to {newSize} bytes is beyond this memory's reservation of {Capacity} bytes";
            }
            if (_budget is { } budget && !budget.TryCharge(newSize - Size))
            {
                return $"memory.grow to {newSize} bytes refused: the container's memory limit is {budget.LimitBytes} bytes";
            }
            if (Protect(newSize) is { } failed)
            {
                _budget?.Release(newSize - Size);
                return failed;
            }
            Size = newSize;
            return null;
        }

        // Makes [Size, newSize) read-write, in whole host pages.
        private string? Protect(long newSize)
        {
            var from = RoundUp(Size);
            var to = RoundUp(newSize);
            return to > from && Mprotect((IntPtr)(Base + from), (nuint)(to - from), ProtReadWrite) != 0
                ? $"memory.grow to {newSize} bytes: mprotect failed (errno {Marshal.GetLastPInvokeError()})"
                : null;
        }

        public void Dispose()
        {
            _ = Munmap((IntPtr)_start, (nuint)_length);
            _budget?.Release(Size);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CreatorStruct
    {
        public IntPtr Env;
        public delegate* unmanaged[Cdecl]<IntPtr, IntPtr, nuint, nuint, nuint, nuint, LinearMemoryStruct*, IntPtr> NewMemory;
        public delegate* unmanaged[Cdecl]<IntPtr, void> Finalizer;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct LinearMemoryStruct
    {
        public IntPtr Env;
        public delegate* unmanaged[Cdecl]<IntPtr, nuint*, nuint*, byte*> GetMemory;
        public delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr> GrowMemory;
        public delegate* unmanaged[Cdecl]<IntPtr, void> Finalizer;
    }

    [LibraryImport("wasmtime", EntryPoint = "wasmtime_config_host_memory_creator_set")]
    private static partial void SetCreator(IntPtr config, CreatorStruct* creator);

    [LibraryImport("wasmtime", EntryPoint = "wasmtime_error_new")]
    private static partial IntPtr ErrorNew(byte* message);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial IntPtr Mmap(IntPtr address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static partial int Mprotect(IntPtr address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(IntPtr address, nuint length);
}
