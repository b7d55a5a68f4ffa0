using System.Runtime.InteropServices;

namespace Wasmcell.Linux.Seccomp;

/// <summary>One classic BPF instruction (struct sock_filter).</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct BpfInstruction(ushort Code, byte JumpIfTrue, byte JumpIfFalse, uint K)
{
    // Opcodes seccomp accepts (linux/filter.h, linux/bpf_common.h).
    public const ushort LoadWordAbsolute = 0x00 | 0x00 | 0x20; // BPF_LD | BPF_W | BPF_ABS
    public const ushort AndConstant = 0x04 | 0x50 | 0x00;      // BPF_ALU | BPF_AND | BPF_K
    public const ushort JumpAlways = 0x05 | 0x00;              // BPF_JMP | BPF_JA
    public const ushort JumpIfEqual = 0x05 | 0x10 | 0x00;      // BPF_JMP | BPF_JEQ | BPF_K
    public const ushort JumpIfGreater = 0x05 | 0x20 | 0x00;    // BPF_JMP | BPF_JGT | BPF_K
    public const ushort JumpIfGreaterOrEqual = 0x05 | 0x30 | 0x00; // BPF_JMP | BPF_JGE | BPF_K
    public const ushort Return = 0x06 | 0x00;                  // BPF_RET | BPF_K
}

/// <summary>
/// Assembles a classic BPF program with named forward jump targets: each conditional jump names the label of
/// its true and false branch (null: the next instruction), resolved to the 8-bit offsets the kernel reads.
/// </summary>
public sealed class BpfAssembler
{
    private readonly List<(ushort Code, string? True, string? False, uint K)> _code = [];
    private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);
    private int _nextLabel;

    /// <summary>A label name not used yet.</summary>
    public string NewLabel(string hint) => $"{hint}#{_nextLabel++}";

    public void Mark(string label) => _labels.Add(label, _code.Count);

    public void LoadWord(uint offset) => _code.Add((BpfInstruction.LoadWordAbsolute, null, null, offset));

    public void And(uint mask) => _code.Add((BpfInstruction.AndConstant, null, null, mask));

    public void Jump(ushort condition, uint k, string? ifTrue, string? ifFalse) => _code.Add((condition, ifTrue, ifFalse, k));

    public void Return(uint action) => _code.Add((BpfInstruction.Return, null, null, action));

    public int Count => _code.Count;

    public BpfInstruction[] Build()
    {
        // BPF_MAXINSNS: the kernel refuses longer programs.
        if (_code.Count > 4096)
        {
            throw new InvalidOperationException($"seccomp program of {_code.Count} instructions exceeds the kernel's 4096");
        }
        var program = new BpfInstruction[_code.Count];
        for (var i = 0; i < _code.Count; i++)
        {
            var (code, t, f, k) = _code[i];
            program[i] = new BpfInstruction(code, Offset(i, t), Offset(i, f), k);
        }
        return program;
    }

    private byte Offset(int from, string? label)
    {
        if (label is null)
        {
            return 0;
        }
        if (!_labels.TryGetValue(label, out var target))
        {
            throw new InvalidOperationException($"BPF label {label} was never marked");
        }
        var offset = target - from - 1;
        if (offset is < 0 or > byte.MaxValue)
        {
            throw new InvalidOperationException($"BPF jump from {from} to {label} ({offset}) does not fit a conditional jump");
        }
        return (byte)offset;
    }
}
