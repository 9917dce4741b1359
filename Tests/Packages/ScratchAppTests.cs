using System.Xml.Linq;
using Replication.Tests.Kit;
using Replication.Tests.Template;

namespace Replication.Tests.Packages;

/// <summary>
/// The packages are enough for someone else's app: Replication.Hosting, Replication.Testing and Replication.Processes,
/// packed into a local feed, serve an orders app written from scratch outside this repository (its own AppHost, API,
/// table and test project, <c>Tests/Packages/ScratchApp</c>), whose own test kills its primary under writes and checks
/// the history. Slow (a restore, a build and a graph): skip it locally with <c>--filter "Category!=Packages"</c>.
/// </summary>
[Collection(ScratchAppScenarios.Name)]
[Trait("Category", "Packages")]
public sealed class ScratchAppTests
{
    /// <summary>A hang guard for the scratch solution's restore, build and test on a busy machine, not a claim.</summary>
    private static readonly TimeSpan ScratchTestTimeout = TimeSpan.FromMinutes(20);

    private static Action<string> Output => line => TestContext.Current.TestOutputHelper?.WriteLine(line);

    [Fact]
    public async Task AnotherApp_BuiltFromThePackagesAlone_KillsItsPrimaryUnderWrites_AndLosesNoAcknowledgedWrite()
    {
        Assert.SkipWhen(PostgresServerBinaries.MissingReason() is not null, PostgresServerBinaries.MissingReason() ?? "");
        using var scratch = ScratchApp.Create();

        var packTime = await scratch.PackAsync(TemplateSource.RepositoryRoot(), TemplatePackage.BuildTimeout);
        Assert.Equal(
            [$"Replication.Hosting.{scratch.Version}.nupkg", $"Replication.Processes.{scratch.Version}.nupkg", $"Replication.Testing.{scratch.Version}.nupkg"],
            scratch.Packages());

        scratch.WriteApp();
        var results = Path.Combine(scratch.WorkDirectory, "results");
        // The scratch AppHost's run directories live where this repository's do: the root is the package's, not the app's.
        using var runDirectoryRoot = new EmptyDirectoryCleanup(Path.Combine(Path.GetTempPath(), $"replication-postgres-{Posix.EffectiveUserId()}"));
        var run = await DotnetCommand.RunAsync(scratch.AppDirectory, ScratchTestTimeout,
            "test", "Orders.slnx", "--logger", "trx;LogFileName=orders.trx", "--results-directory", results);

        var outcomes = ReadOutcomes(Path.Combine(results, "orders.trx"));
        foreach (var outcome in outcomes)
        {
            Output($"{outcome.Name}: {outcome.Outcome}\n{outcome.StandardOutput}");
        }

        Output($"pack {packTime.TotalSeconds:F0} s; the scratch app's restore, build and test {run.Duration.TotalSeconds:F0} s");
        Assert.True(run.Succeeded, run.ToString());
        var only = Assert.Single(outcomes);
        Assert.True(only.Outcome == "Passed", $"The scratch app's test did not pass ({only.Outcome}):\n{only.StandardOutput}");
    }

    private static List<(string Name, string Outcome, string StandardOutput)> ReadOutcomes(string trx)
    {
        if (!File.Exists(trx))
        {
            return [];
        }

        return [.. XDocument.Load(trx).Descendants()
            .Where(element => element.Name.LocalName == "UnitTestResult")
            .Select(result => (
                (string)result.Attribute("testName")!,
                (string)result.Attribute("outcome")!,
                result.Descendants().FirstOrDefault(element => element.Name.LocalName == "StdOut")?.Value ?? ""))];
    }
}

/// <summary>
/// Runs on its own, once the previous collection's graph has stopped: its scratch app boots a graph of its own, in a
/// child process, beside its own build.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScratchAppScenarios : ICollectionFixture<GraphTeardowns.Done>
{
    public const string Name = "Packages: a scratch app";
}
