using System.Runtime.InteropServices;

namespace Wasmcell.Linux.Seccomp;

/// <summary>
/// A seccomp filter for the x86-64 ABI: rules by system call number, a default action, and what any other ABI
/// (i386 through int 0x80, x32) gets — a filter keyed on x86-64 numbers means nothing there, so another ABI
/// is never allowed through by accident. <paramref name="newerCallAction"/>, when given, answers the numbers
/// above <see cref="SyscallTableX64.HighestNumber"/> (calls this table does not know) instead of the default.
/// Compiles to classic BPF and installs on the calling process.
/// </summary>
public sealed unsafe class SeccompFilter(uint defaultAction, IReadOnlyList<SyscallRule> rules, uint foreignAbiAction = SeccompAction.KillProcess,
    uint? newerCallAction = null)
{
    // struct seccomp_data (linux/seccomp.h): int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6].
    private const uint NrOffset = 0, ArchOffset = 4, ArgsOffset = 16;

    private const long SysSeccomp = 317;
    private const int SECCOMP_SET_MODE_FILTER = 1;

    /// <summary>SECCOMP_FILTER_FLAG_TSYNC: every thread of the process gets the filter (and no_new_privs), or none.</summary>
    public const uint FlagSynchronizeThreads = 1;

    /// <summary>SECCOMP_FILTER_FLAG_LOG: actions other than allow are logged.</summary>
    public const uint FlagLog = 2;

    /// <summary>SECCOMP_FILTER_FLAG_SPEC_ALLOW: do not force speculative-store-bypass mitigation.</summary>
    public const uint FlagSpecAllow = 4;

    public uint DefaultAction { get; } = defaultAction;

    public IReadOnlyList<SyscallRule> Rules { get; } = rules;

    public BpfInstruction[] Compile()
    {
        var asm = new BpfAssembler();
        var native = asm.NewLabel("native");
        var byNumber = asm.NewLabel("rules");
        asm.LoadWord(ArchOffset);
        asm.Jump(BpfInstruction.JumpIfEqual, SyscallTableX64.AuditArch, native, null);
        asm.Return(foreignAbiAction);
        asm.Mark(native);
        asm.LoadWord(NrOffset);
        asm.Jump(BpfInstruction.JumpIfGreaterOrEqual, SyscallTableX64.X32Bit, null, byNumber);
        asm.Return(foreignAbiAction);
        asm.Mark(byNumber);
        if (newerCallAction is { } newer)
        {
            var known = asm.NewLabel("known");
            asm.Jump(BpfInstruction.JumpIfGreater, (uint)SyscallTableX64.HighestNumber, null, known);
            asm.Return(newer);
            asm.Mark(known);
        }
        // Invariant: A holds the system call number at the start of every block; a body only loads arguments
        // on paths that end in a return.
        var groups = ByNumber(Rules);
        for (var i = 0; i < groups.Count;)
        {
            if (Unconditional(groups[i].Rules) is not { } action)
            {
                EmitGroup(asm, groups[i].Number, groups[i].Rules);
                i++;
                continue;
            }
            var run = new List<int>();
            while (i < groups.Count && run.Count < MaxSharedRun && Unconditional(groups[i].Rules) == action)
            {
                run.Add(groups[i].Number);
                i++;
            }
            EmitShared(asm, run, action);
        }
        asm.Return(DefaultAction);
        return asm.Build();
    }

    // A conditional jump reaches 255 instructions ahead; a run of comparisons shares one return within that.
    private const int MaxSharedRun = 200;

    /// <summary>The action when a group's first rule has no conditions (later ones never apply), else null.</summary>
    private static uint? Unconditional(List<SyscallRule> group) => group[0].Conditions.Count == 0 ? group[0].Action : null;

    /// <summary>
    /// Calls that get the same action whatever their arguments: one comparison each, jumping to a shared
    /// return, so an allow-list of a hundred calls costs a hundred instructions rather than two hundred.
    /// </summary>
    private static void EmitShared(BpfAssembler asm, List<int> numbers, uint action)
    {
        var hit = asm.NewLabel("hit");
        var miss = asm.NewLabel("miss");
        for (var i = 0; i < numbers.Count; i++)
        {
            if (i < numbers.Count - 1)
            {
                asm.Jump(BpfInstruction.JumpIfEqual, (uint)numbers[i], hit, null);
            }
            else
            {
                asm.Jump(BpfInstruction.JumpIfEqual, (uint)numbers[i], null, miss);
            }
        }
        asm.Mark(hit);
        asm.Return(action);
        asm.Mark(miss);
    }

    /// <summary>A call with argument rules: each rule in order, then the default action.</summary>
    private void EmitGroup(BpfAssembler asm, int number, List<SyscallRule> group)
    {
        var next = asm.NewLabel("next");
        asm.Jump(BpfInstruction.JumpIfEqual, (uint)number, null, next);
        var fallsThrough = true;
        foreach (var rule in group)
        {
            if (rule.Conditions.Count == 0)
            {
                asm.Return(rule.Action);
                fallsThrough = false;
                break;
            }
            var fail = asm.NewLabel("fail");
            foreach (var condition in rule.Conditions)
            {
                Emit(asm, condition, fail);
            }
            asm.Return(rule.Action);
            asm.Mark(fail);
        }
        if (fallsThrough)
        {
            asm.Return(DefaultAction);
        }
        asm.Mark(next);
    }

    /// <summary>Installs the filter on the calling thread, or with <see cref="FlagSynchronizeThreads"/> on all.</summary>
    public void Install(uint flags)
    {
        var program = Compile();
        fixed (BpfInstruction* filter = program)
        {
            var fprog = new SockFprog { Length = (ushort)program.Length, Filter = filter };
            var rc = Libc.Syscall(SysSeccomp, SECCOMP_SET_MODE_FILTER, flags, (long)&fprog, 0);
            if (rc > 0)
            {
                throw new IOException($"seccomp: thread {rc} could not take the filter (TSYNC)");
            }
            if (rc < 0)
            {
                throw Libc.IoError("seccomp: install filter", Libc.Errno);
            }
        }
    }

    /// <summary>Rules grouped by system call, in the order each call first appears, each group in rule order.</summary>
    private static List<(int Number, List<SyscallRule> Rules)> ByNumber(IReadOnlyList<SyscallRule> rules)
    {
        var groups = new List<(int, List<SyscallRule>)>();
        var index = new Dictionary<int, List<SyscallRule>>();
        foreach (var rule in rules)
        {
            if (!index.TryGetValue(rule.Number, out var group))
            {
                index[rule.Number] = group = [];
                groups.Add((rule.Number, group));
            }
            group.Add(rule);
        }
        return groups;
    }

    private static void Emit(BpfAssembler asm, ArgCondition c, string fail)
    {
        if (c.Index is < 0 or > 5)
        {
            throw new ArgumentOutOfRangeException(nameof(c), $"system call argument index {c.Index} is not 0-5");
        }
        var lo = ArgsOffset + (uint)(8 * c.Index);
        var hi = lo + 4;
        var (valueHi, valueLo) = ((uint)(c.Value >> 32), (uint)c.Value);
        var pass = asm.NewLabel("pass");
        var wide = !c.LowWordOnly;
        switch (c.Op)
        {
            case ArgOp.Equal:
                if (wide)
                {
                    asm.LoadWord(hi);
                    asm.Jump(BpfInstruction.JumpIfEqual, valueHi, null, fail);
                }
                asm.LoadWord(lo);
                asm.Jump(BpfInstruction.JumpIfEqual, valueLo, null, fail);
                break;
            case ArgOp.NotEqual:
                if (wide)
                {
                    asm.LoadWord(hi);
                    asm.Jump(BpfInstruction.JumpIfEqual, valueHi, null, pass);
                }
                asm.LoadWord(lo);
                asm.Jump(BpfInstruction.JumpIfEqual, valueLo, fail, null);
                break;
            case ArgOp.MaskedEqual:
                var (wantHi, wantLo) = ((uint)(c.ValueTwo >> 32), (uint)c.ValueTwo);
                if (wide)
                {
                    asm.LoadWord(hi);
                    asm.And(valueHi);
                    asm.Jump(BpfInstruction.JumpIfEqual, wantHi, null, fail);
                }
                asm.LoadWord(lo);
                asm.And(valueLo);
                asm.Jump(BpfInstruction.JumpIfEqual, wantLo, null, fail);
                break;
            case ArgOp.Greater or ArgOp.GreaterOrEqual:
                if (wide)
                {
                    asm.LoadWord(hi);
                    asm.Jump(BpfInstruction.JumpIfGreater, valueHi, pass, null);
                    asm.Jump(BpfInstruction.JumpIfEqual, valueHi, null, fail);
                }
                asm.LoadWord(lo);
                asm.Jump(c.Op == ArgOp.Greater ? BpfInstruction.JumpIfGreater : BpfInstruction.JumpIfGreaterOrEqual, valueLo, null, fail);
                break;
            case ArgOp.Less or ArgOp.LessOrEqual:
                if (wide)
                {
                    asm.LoadWord(hi);
                    asm.Jump(BpfInstruction.JumpIfGreater, valueHi, fail, null);
                    asm.Jump(BpfInstruction.JumpIfEqual, valueHi, null, pass);
                }
                asm.LoadWord(lo);
                asm.Jump(c.Op == ArgOp.Less ? BpfInstruction.JumpIfGreaterOrEqual : BpfInstruction.JumpIfGreater, valueLo, fail, null);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(c), $"unknown comparison {c.Op}");
        }
        asm.Mark(pass);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog
    {
        public ushort Length;
        public BpfInstruction* Filter;
    }
}
