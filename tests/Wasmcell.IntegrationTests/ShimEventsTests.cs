using System.Globalization;
using System.Text.Json;
using Wasmcell.IntegrationTests.Infrastructure;

namespace Wasmcell.IntegrationTests;

/// <summary>
/// TaskCreate, TaskStart, TaskExit and TaskDelete reach containerd, in that order, decodable (`ctr events`
/// prints their JSON; an unknown type URL would be "cannot unmarshal"), with the real exit status and time.
/// </summary>
[Collection(PrivateContainerdCollection.Name)]
public sealed class ShimEventsTests(PrivateContainerd containerd)
{
    private static readonly string[] Topics = ["/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete"];

    [Theory]
    [InlineData(Flavor.Wasm)]
    [InlineData(Flavor.Runc)]
    public async Task Task_events_reach_containerd_in_order_and_decoded(Flavor flavor)
    {
        var id = containerd.NewId("events");
        var logStart = containerd.LogLength;
        await using var events = await EventsRecorder.StartAsync(containerd);
        var before = DateTimeOffset.UtcNow;
        var r = await containerd.RunAsync(containerd.Request(flavor, id, new Programs(flavor).ExitCode(3)));
        var after = DateTimeOffset.UtcNow;
        Assert.True(r.ExitCode == 3, r.Describe());

        // ctr events line: "<time> <namespace> <topic> <json>"
        bool Ours(string line) => line.Contains($"\"container_id\":\"{id}\"", StringComparison.Ordinal);
        await events.WaitForAsync(lines => lines.Any(l => Ours(l) && l.Contains("/tasks/delete", StringComparison.Ordinal)), TimeSpan.FromSeconds(10));
        var ours = events.Lines.Where(Ours).ToList();
        var seen = ours.Select(l => Topics.FirstOrDefault(t => l.Contains($" {t} ", StringComparison.Ordinal))).Where(t => t is not null).ToList();
        Assert.True(Topics.SequenceEqual(seen), $"expected {string.Join(", ", Topics)}; got:\n{string.Join('\n', ours)}");

        var exit = ParseJson(ours.Single(l => l.Contains(" /tasks/exit ", StringComparison.Ordinal)));
        Assert.Equal(3, exit.GetProperty("exit_status").GetInt32());
        Assert.Equal(id, exit.GetProperty("id").GetString());
        var exitedAt = DateTimeOffset.Parse(exit.GetProperty("exited_at").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(exitedAt, before.AddSeconds(-2), after.AddSeconds(2)); // the real exit time, not zero
        var start = ParseJson(ours.Single(l => l.Contains(" /tasks/start ", StringComparison.Ordinal)));
        Assert.True(start.GetProperty("pid").GetInt32() > 0, "TaskStart without a pid");
        Assert.Equal(start.GetProperty("pid").GetInt32(), exit.GetProperty("pid").GetInt32());

        Assert.DoesNotContain(events.Lines, l => l.Contains("unmarshal", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("cannot unmarshal", containerd.LogSince(logStart), StringComparison.Ordinal);
    }

    private static JsonElement ParseJson(string line) => JsonDocument.Parse(line[line.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
}
