using System.Text.Json;
using Replication.Tests.Kit;

namespace Replication.Tests.Benchmarks;

/// <summary>
/// Runs the benchmark command in smoke mode (seconds of tiny load per section), so it cannot rot: every section is in
/// the report, and every figure in it could be true (<see cref="BenchmarkPlausibility"/>); never what the figures are.
/// </summary>
[Collection(nameof(BenchmarkSmokeTests))]
public sealed class BenchmarkSmokeTests
{
    private static readonly string[] Sections =
        ["gateway-pipeline", "gateway-overhead", "gateway-overhead-writes", "gateway-overhead-keyed-writes", "gateway-added-latency", "service-failover", "scale-clients", "memory", "soak", "replication-lag", "database-failover", "scale-replicas", "boot"];

    [Fact]
    public async Task SmokeRunProducesFiguresInEverySection()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // ProjectPath is the AppHost's folder or its .csproj; Benchmarks/ is its sibling.
        var appHost = Projects.Replication_AppHost.ProjectPath;
        var root = Path.GetDirectoryName(Directory.Exists(appHost) ? Path.TrimEndingDirectorySeparator(appHost) : Path.GetDirectoryName(appHost))!;
        var benchmarks = BuiltProjects.AssemblyOf(Path.Combine(root, "Benchmarks"));
        var json = Path.Combine(Path.GetTempPath(), $"benchmark-smoke-{Guid.NewGuid():N}.json");
        try
        {
            // The benchmark's graphs die with it: DCP watches its process, and its dotnet-run AppHost is its child.
            var run = await CommandRunner.RunAsync("dotnet", [benchmarks, "--smoke", "--output", json], TimeSpan.FromMinutes(10), cancellationToken);
            TestContext.Current.TestOutputHelper?.WriteLine(run.StandardOutput);
            // The report's own account of a failed section comes first: it names the section and its error.
            Assert.True(File.Exists(json), $"The smoke run {run.Describe()} without writing its report. Its last progress lines:\n{LastLines(run.StandardError)}");

            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json, cancellationToken));
            var sections = report.RootElement.GetProperty("sections").EnumerateArray()
                .ToDictionary(section => section.GetProperty("section").GetString()!, section => section);
            var missing = Sections.Where(name => !sections.ContainsKey(name)).ToList();
            Assert.True(missing.Count == 0, $"No section {string.Join(", ", missing)} in the report.");
            var implausible = sections.Values.SelectMany(BenchmarkPlausibility.ProblemsIn).ToList();
            Assert.True(implausible.Count == 0, "Implausible figures in the report:\n" + string.Join("\n", implausible));
            var empty = Sections.Where(name => !sections[name].GetProperty("hasFigures").GetBoolean()).ToList();
            Assert.True(empty.Count == 0, $"No figures in section {string.Join(", ", empty)}.");
            Assert.True(run.Succeeded, $"The smoke run {run.Describe()}. Its last progress lines:\n{LastLines(run.StandardError)}");
        }
        finally
        {
            File.Delete(json);
        }
    }

    private static string LastLines(string text) => string.Join('\n', text.Split('\n').TakeLast(30));
}
