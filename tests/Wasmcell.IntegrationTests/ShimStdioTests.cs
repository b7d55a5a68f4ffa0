using System.Text;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// Stdio through containerd's FIFOs: stdin bytes reach the guest and CloseIO gives it EOF, large output
/// arrives complete and in order, and a terminal (`ctr run -t`) either works or is refused clearly.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimStdioTests(PrivateContainerd containerd)
{
    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Stdin_bytes_reach_the_guest_and_close_gives_eof(Flavor flavor)
    {
        // Several pipe buffers' worth, so the copy really streams; ctr sends CloseIO when its stdin ends.
        await AssertStdinArrivesWholeAsync(flavor, "stdio-stdin", new Programs(flavor).CatStdin, lines: 4000);
    }

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Stdin_piled_up_before_the_guest_reads_is_all_delivered_before_eof(Flavor flavor)
    {
        // ~0.33 MB while the guest sleeps: FIFO and pipe fill, ctr blocks, and its last bytes and CloseIO come
        // while the FIFO is still full. CloseIO must end stdin after them, not cut them off.
        await AssertStdinArrivesWholeAsync(flavor, "stdio-piled", new Programs(flavor).CatStdinAfter(1000), lines: 20_000);
    }

    private async Task AssertStdinArrivesWholeAsync(Flavor flavor, string name, IReadOnlyList<string> program, int lines)
    {
        var id = containerd.NewId(name);
        var input = new StringBuilder();
        for (var i = 0; i < lines; i++)
        {
            input.Append("stdin line ").Append(i).Append('\n');
        }
        // ctr 1.6 sends CloseIO on stdin EOF only if the EOF comes after the task was created (its closer is
        // set after Create; an earlier EOF is dropped and the guest waits forever, with runc too). So: write
        // once the task runs.
        var run = containerd.StartRun(containerd.Request(flavor, id, program), holdStdin: true);
        await containerd.Ctr.WaitForStatusAsync(id, "RUNNING", TimeSpan.FromSeconds(20));
        await run.SendStdinAndCloseAsync(Encoding.ASCII.GetBytes(input.ToString()));
        var r = await run.Completion;

        Assert.False(r.TimedOut, "the guest never saw EOF on stdin: " + r.Describe());
        Assert.True(r.ExitCode == 0, r.Describe());
        Assert.True(r.Stdout == input + "EOF\n", $"stdout differs from stdin + EOF ({r.Stdout.Length} vs {input.Length + 4} chars): " + r.Describe());
    }

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Large_stdout_arrives_complete_and_in_order(Flavor flavor)
    {
        const int MiB = 8;
        var id = containerd.NewId("stdio-big");
        var r = await containerd.RunAsync(containerd.Request(flavor, id, new Programs(flavor).BigOut(MiB)));

        Assert.True(r.ExitCode == 0, r.Describe());
        var mismatch = BigOutPattern.Mismatch(r.StdoutBytes, MiB);
        Assert.True(mismatch is null, $"{MiB} MiB of output: {mismatch}");
    }

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Terminal_works_or_is_refused_with_a_clear_message(Flavor flavor)
    {
        var id = containerd.NewId("stdio-tty");
        var request = containerd.Request(flavor, id, new Programs(flavor).Hello) with { Tty = true };
        if (request.Runtime == Runtimes.Wasm)
        {
            containerd.RequireShim();
        }
        // ctr -t needs a terminal of its own: script(1) gives it one and copies everything it prints.
        var ctrLine = string.Join(' ', new[] { "ctr", "--address", containerd.Address, "--namespace", containerd.Ctr.Namespace }
            .Concat(containerd.RunArgs(request)).Select(CommandRunner.Quote));
        var r = await CommandRunner.RunAsync("script", ["--quiet", "--return", "--command", ctrLine, "/dev/null"], TimeSpan.FromSeconds(60));

        Assert.False(r.TimedOut, r.Describe());
        if (r.ExitCode == 0)
        {
            Assert.Contains("hello from wasm", r.Stdout, StringComparison.Ordinal);
        }
        else
        {
            Assert.Matches("(?i)terminal|tty|console|pty", r.Stdout + r.Stderr);
        }
        var left = await LeakCheck.LeftoversAsync(containerd, [id]);
        Assert.True(left.Count == 0, LeakCheck.Describe(left));
    }
}
