using System.Collections.Concurrent;
using System.Diagnostics;

namespace Replication.Tests.Template;

/// <summary>
/// Packs the repository as it is now into the template package, installs it into a private template hive
/// (never the user's own template list), and instantiates solutions from it in a temporary directory that is
/// deleted afterwards. Builds are shared between the tests of the collection.
/// </summary>
public sealed class TemplatePackage : IAsyncLifetime
{
    public const string ShortName = "replication";

    /// <summary>
    /// A hang guard for a generated solution's restore and build, not a claim: the template tests build beside the
    /// benchmark's smoke run and Patroni's scenarios, and one build took over 5 minutes under a load average of 40.
    /// </summary>
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, Lazy<Task<GeneratedSolution>>> builds = new(StringComparer.Ordinal);

    public string RepositoryRoot { get; } = TemplateSource.RepositoryRoot();

    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("replication-template-").FullName;

    private string Hive => Path.Combine(WorkDirectory, "hive");

    public string PackagePath { get; private set; } = "";

    /// <summary>Pack, install and the first instantiation, for the figures in docs/template.md.</summary>
    public TimeSpan PackAndInstallTime { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        var packages = Path.Combine(WorkDirectory, "packages");
        var pack = await DotnetCommand.RunAsync(RepositoryRoot, TimeSpan.FromMinutes(3),
            "pack", Path.Combine(RepositoryRoot, "template", "Replication.Templates.csproj"), "--output", packages,
            "--artifacts-path", Path.Combine(WorkDirectory, "pack-artifacts"));
        Assert.True(pack.Succeeded, pack.ToString());
        PackagePath = Directory.GetFiles(packages, "*.nupkg").Single();

        var install = await DotnetCommand.RunAsync(WorkDirectory, TimeSpan.FromMinutes(1),
            "new", "install", PackagePath, "--debug:custom-hive", Hive);
        Assert.True(install.Succeeded, install.ToString());
        PackAndInstallTime = stopwatch.Elapsed;
    }

    /// <summary><c>dotnet new replication -n <paramref name="name"/></c> into a fresh directory, without restore.</summary>
    public async Task<GeneratedSolution> InstantiateAsync(string name, params string[] options)
    {
        var output = Path.Combine(WorkDirectory, "solutions", Guid.NewGuid().ToString("N")[..8]);
        var result = await DotnetCommand.RunAsync(WorkDirectory, TimeSpan.FromMinutes(1),
            ["new", ShortName, "--name", name, "--output", output, "--no-restore", "--debug:custom-hive", Hive, .. options]);
        Assert.True(result.Succeeded, result.ToString());
        return new GeneratedSolution(name, output);
    }

    /// <summary>The solution generated for <paramref name="name"/>, built once (restore included) for every test that asks.</summary>
    public Task<GeneratedSolution> BuiltAsync(string name) =>
        builds.GetOrAdd(name, key => new Lazy<Task<GeneratedSolution>>(() => InstantiateAndBuildAsync(key))).Value;

    public async ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file for a moment; the directory is in the temp folder either way.
        }
    }

    private async Task<GeneratedSolution> InstantiateAndBuildAsync(string name)
    {
        var solution = await InstantiateAsync(name);
        solution.Build = await DotnetCommand.RunAsync(solution.Directory, BuildTimeout, "build", solution.SolutionFile);
        return solution;
    }

    /// <summary>How often <paramref name="text"/> occurs in the template's content (the repository without what the template leaves out).</summary>
    public int CountInRepository(string text) =>
        new GeneratedSolution("Replication", RepositoryRoot, ".ci", ".template.config", "template", "Tests/Template", "Tests/Packages").Count(text);

    public string RepositoryUserSecretsId() => TemplateSource.UserSecretsIds(RepositoryRoot).Single();

    public IReadOnlyList<string> RepositorySolutionGuids() => TemplateSource.SolutionGuids(RepositoryRoot);
}

[CollectionDefinition(Name)]
public sealed class TemplateScenarios : ICollectionFixture<TemplatePackage>
{
    public const string Name = "Template";
}
