using Wasmcell.Linux.Seccomp;

namespace Wasmcell.Cell.Tests.Infrastructure;

/// <summary>What the kernel hands a seccomp filter for one call (struct seccomp_data, x86-64 layout).</summary>
public sealed record SeccompData(int Nr, uint Arch, params ulong[] Args)
{
    public const uint X64 = SyscallTableX64.AuditArch;
    public const uint I386 = 0x40000003;

    public static SeccompData Call(string name, params ulong[] args) => new(SyscallTableX64.Numbers[name], X64, args);

    public uint Word(uint offset) => offset switch
    {
        0 => (uint)Nr,
        4 => Arch,
        >= 16 and < 64 when offset % 4 == 0 => Arg((int)(offset - 16) / 8, hi: (offset - 16) % 8 == 4),
        _ => throw new InvalidOperationException($"filter loads seccomp_data at offset {offset}"),
    };

    private uint Arg(int index, bool hi)
    {
        var value = index < Args.Length ? Args[index] : 0;
        return hi ? (uint)(value >> 32) : (uint)value;
    }
}

/// <summary>
/// Runs a classic BPF program the way the kernel's seccomp does, for the opcodes our assembler emits, so filter
/// logic is tested call by call without installing anything in the test process.
/// </summary>
public static class BpfInterpreter
{
    public static uint Run(BpfInstruction[] program, SeccompData data)
    {
        uint a = 0;
        for (var pc = 0; ; pc++)
        {
            if (pc >= program.Length)
            {
                throw new InvalidOperationException("the program ran off its end without a return");
            }
            var i = program[pc];
            switch (i.Code)
            {
                case BpfInstruction.LoadWordAbsolute: a = data.Word(i.K); break;
                case BpfInstruction.AndConstant: a &= i.K; break;
                case BpfInstruction.JumpAlways: pc += (int)i.K; break;
                case BpfInstruction.JumpIfEqual: pc += a == i.K ? i.JumpIfTrue : i.JumpIfFalse; break;
                case BpfInstruction.JumpIfGreater: pc += a > i.K ? i.JumpIfTrue : i.JumpIfFalse; break;
                case BpfInstruction.JumpIfGreaterOrEqual: pc += a >= i.K ? i.JumpIfTrue : i.JumpIfFalse; break;
                case BpfInstruction.Return: return i.K;
                default: throw new InvalidOperationException($"opcode {i.Code:x} at {pc}");
            }
        }
    }
}
