using System.Text.Json;
using Replication.Benchmarks.Memory;
using Replication.Benchmarks.Reporting;

namespace Replication.Tests.Benchmarks;

/// <summary>The smoke test's plausibility checks, each shown to catch what it claims to, on sections written here.</summary>
public sealed class BenchmarkPlausibilityTests
{
    public static TheoryData<string, string[], string[][], string> ImplausibleSections => new()
    {
        { "p50 above p99", ["path", "req/s", "p50 ms", "p99 ms"], [["direct", "100.0", "12", "9.50"]], "\"p50 ms\" 12 is above \"p99 ms\" 9.5" },
        { "p99 above max", ["scenario", "requests", "failed", "p99 ms", "max ms"], [["kill", "10", "0", "300", "200"]], "\"p99 ms\" 300 is above \"max ms\" 200" },
        { "prefixed latencies out of order", ["durability", "replay_lag p50 ms", "replay_lag max ms"], [["Async", "4.00", "3.00"]], "\"replay_lag p50 ms\" 4 is above" },
        { "zero throughput", ["clients", "gateway req/s", "p50 ms"], [["8", "0.0", "4.00"]], "throughput \"gateway req/s\" is 0.0" },
        { "throughput never measured", ["durability", "pgbench tps"], [["Async", "-"]], "no throughput was measured in \"pgbench tps\"" },
        { "more failed than sent", ["scenario", "requests", "failed"], [["kill", "10", "11"]], "11 of 10 requests failed" },
        { "more lost than acknowledged", ["durability", "acknowledged", "lost", "errored"], [["Sync", "5", "4", "2"]], "lost 4 and errored 2 of 5 acknowledged writes" },
        { "negative time", ["scenario", "failover ms"], [["kill", "-3"]], "\"failover ms\" is negative" },
        { "a total that is not the sum", ["part", "processes", "idle PSS"], [["pg-0", "3", "10.0"], ["gateway", "1", "5.0"], ["total", "4", "16.0"]], "the total of \"idle PSS\" is 16" },
        { "a difference that is not one", ["part", "start", "end", "end − start"], [["gateway", "10.0", "12.0", "5.0"]], "\"end − start\" is 5" },
        { "a failed section", ["figure"], [], "failed: boom" },
    };

    [Theory]
    [MemberData(nameof(ImplausibleSections))]
    public void AnImplausibleFigureIsReported(string description, string[] columns, string[][] rows, string expected)
    {
        var problems = BenchmarkPlausibility.ProblemsIn(Section(columns, rows, error: description == "a failed section" ? "boom" : null));

        Assert.True(problems.Any(problem => problem.Contains(expected, StringComparison.Ordinal)),
            $"{description}: expected a problem containing '{expected}', got [{string.Join("; ", problems)}]");
    }

    [Fact]
    public void PlausibleSectionsPass()
    {
        JsonElement[] sections =
        [
            Section(["connections", "path", "req/s", "p50 ms", "p99 ms", "failed", "req/s ÷ direct", "p50 − direct p50 ms"],
                [["8", "direct", "199.1", "9.99", "10", "0", "1.00×", "-"], ["8", "our gateway", "94.2", "65", "270", "0", "0.47×", "-2.10"]]),
            Section(["part", "processes", "idle RSS", "start", "end", "max", "end − start"],
                [["pg-0", "47", "961.2", "96.3", "79.3", "96.3", "-17.0"], ["gateway", "1", "161.1", "91.9", "99.1", "99.1", "7.2"],
                 ["total", "48", "1122.3", "188.2", "178.4", "195.4", "-9.8"]]),
            Section(["durability", "steady writes/s", "write→visible p50 ms", "write→visible p99 ms", "replay_lag max ms", "max lag bytes"],
                [["Async", "83.2", "0.46", "4.54", "17", "4087624"]]),
        ];

        Assert.All(sections, section => Assert.Empty(BenchmarkPlausibility.ProblemsIn(section)));
    }

    /// <summary>
    /// A process that comes or goes between two measurements (a backend, a restarted service) must not make a total
    /// disagree with its parts: CI once saw the soak's "start" total 1711 with parts adding up to 1690.6.
    /// </summary>
    [Fact]
    public void MemoryTablesAddUpWhenAPartComesOrGoesBetweenMeasurements()
    {
        IReadOnlyList<MemoryGroup> start = [new("pg-0", 3, 100.4, 20.3), new("pg-0-init", 1, 20.1, 20.4), new("gateway", 1, 90.2, 80.1)];
        IReadOnlyList<MemoryGroup> middle = [new("pg-0", 5, 110.2, 22.2), new("gateway", 1, 95.3, 85.4)];
        IReadOnlyList<MemoryGroup> end = [new("pg-0", 4, 105.3, 21.1), new("gateway", 1, 96.2, 86.3), new("primaryservice", 2, 70.4, 60.2)];

        Assert.Empty(BenchmarkPlausibility.ProblemsIn(Json(MemoryTables.IdleAndLoad(start, end))));
        Assert.Empty(BenchmarkPlausibility.ProblemsIn(Json(MemoryTables.Soak(TimeSpan.FromMinutes(1), 3, [start, middle, end]))));
    }

    private static JsonElement Json(ResultTable table) =>
        JsonSerializer.SerializeToElement(new { section = table.Section, columns = table.Columns, rows = table.Rows, error = table.Error });

    private static JsonElement Section(string[] columns, string[][] rows, string? error = null) =>
        JsonSerializer.SerializeToElement(new { section = "test", columns, rows, error, hasFigures = error is null });
}
