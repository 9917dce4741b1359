using System.Diagnostics;
using System.Text.Json;
using Replication.Tests.Kit;

namespace Replication.Tests.Benchmarks;

/// <summary>
/// Runs the benchmark command in smoke mode (seconds of tiny load per section), so it cannot rot. It asserts only that
/// every section produced figures, never what they are.
/// </summary>
[Collection(nameof(BenchmarkSmokeTests))]
public sealed class BenchmarkSmokeTests
{
    private static readonly string[] Sections =
        ["gateway-overhead", "service-failover", "scale-clients", "memory", "soak", "replication-lag", "database-failover", "scale-replicas", "boot"];

    [Fact]
    public async Task SmokeRunProducesFiguresInEverySection()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // ProjectPath is the AppHost's folder or its .csproj; Benchmarks/ is its sibling.
        var appHost = Projects.Replication_AppHost.ProjectPath;
        var root = Path.GetDirectoryName(Directory.Exists(appHost) ? Path.TrimEndingDirectorySeparator(appHost) : Path.GetDirectoryName(appHost))!;
        var benchmarks = BuiltProjects.AssemblyOf(Path.Combine(root, "Benchmarks"));
        var json = Path.Combine(Path.GetTempPath(), $"benchmark-smoke-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo("dotnet", [benchmarks, "--smoke", "--output", json])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var progress = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            TestContext.Current.TestOutputHelper?.WriteLine(await output);
            Assert.True(process.ExitCode == 0, $"The smoke run exited with {process.ExitCode}:\n{await progress}");

            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json, cancellationToken));
            var sections = report.RootElement.GetProperty("sections").EnumerateArray()
                .ToDictionary(section => section.GetProperty("section").GetString()!, section => section);
            foreach (var name in Sections)
            {
                Assert.True(sections.TryGetValue(name, out var section), $"No section {name} in the report.");
                Assert.True(section.GetProperty("hasFigures").GetBoolean(), $"Section {name} produced no figures: {section}");
            }
        }
        finally
        {
            // The benchmark's graphs die with it: DCP watches its process, and its dotnet-run AppHost is its child.
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            File.Delete(json);
        }
    }
}
