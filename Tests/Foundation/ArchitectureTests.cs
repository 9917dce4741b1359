using System.Xml.Linq;

namespace Replication.Tests.Foundation;

/// <summary>
/// The reference rules of docs/architecture.md, read from every project file: each project may reference only the
/// projects its row names. Projects are known by their folder (<c>Hosting</c>, <c>Tests/Kit</c>), not by their file
/// name, so the rules hold in a solution made by <c>dotnet new replication</c>, where the file names are renamed.
/// </summary>
public sealed class ArchitectureTests
{
    /// <summary>What each project may reference (project folders relative to the repository's root). The table in docs/architecture.md.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["Contracts"] = [],
        ["Processes"] = [],
        ["ServiceDefaults"] = ["Contracts"],
        ["UsersApi"] = ["ServiceDefaults", "Contracts"],
        ["PrimaryService"] = ["UsersApi", "ServiceDefaults", "Contracts"],
        ["BackupService"] = ["UsersApi", "ServiceDefaults", "Contracts"],
        ["Gateway"] = ["ServiceDefaults", "Contracts"],
        ["Hosting"] = ["Processes"],
        ["Testing"] = ["Hosting", "Processes"],
        ["AppHost"] = ["Hosting", "Contracts", "PrimaryService", "BackupService", "Gateway"],
        ["Tests/Kit"] = ["Testing", "AppHost", "Hosting", "Processes", "Contracts"],
        ["Tests"] = ["Tests/Kit", "AppHost", "Gateway", "UsersApi", "Benchmarks", "Testing", "Hosting", "Processes", "Contracts"],
        ["Benchmarks"] = ["Tests/Kit", "Gateway", "Benchmarks/YarpBaseline", "Testing", "Hosting", "Processes", "Contracts"],
        ["Benchmarks/YarpBaseline"] = ["ServiceDefaults", "Contracts"],
        ["template"] = [],
        // The scratch app that proves the packages (ScratchAppTests): the packages only, and its own projects.
        ["Tests/Packages/ScratchApp/Orders"] = [],
        ["Tests/Packages/ScratchApp/Orders.AppHost"] = ["Tests/Packages/ScratchApp/Orders"],
        ["Tests/Packages/ScratchApp/Orders.Tests"] = ["Tests/Packages/ScratchApp/Orders.AppHost"],
    };

    /// <summary>The projects that ship as libraries or run as services: no test framework in them.</summary>
    private static readonly string[] NoTestFramework =
        ["Contracts", "Processes", "ServiceDefaults", "UsersApi", "PrimaryService", "BackupService", "Gateway", "Hosting", "Testing", "AppHost"];

    private static readonly string[] TestFrameworkPackages = ["xunit", "Microsoft.NET.Test.Sdk", "NUnit", "MSTest"];

    [Fact]
    public void EveryProjectReferencesOnlyWhatItsRuleAllows()
    {
        var projects = Projects(RepositoryRoot());
        Assert.Contains(projects, project => project.Folder == "Hosting");
        Assert.Contains(projects, project => project.Folder == "Testing");

        var unknown = projects.Where(project => !Allowed.ContainsKey(project.Folder)).Select(project => project.Folder).ToList();
        Assert.True(unknown.Count == 0, $"Projects without a rule (add a row to docs/architecture.md and to {nameof(ArchitectureTests)}): {string.Join(", ", unknown)}");

        var violations = Violations(projects.SelectMany(project => project.References.Select(reference => (project.Folder, reference))));
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void NoShippedProjectReferencesATestFramework()
    {
        var violations = Projects(RepositoryRoot())
            .Where(project => NoTestFramework.Contains(project.Folder))
            .SelectMany(project => project.Packages
                .Where(package => TestFrameworkPackages.Any(framework => package.StartsWith(framework, StringComparison.OrdinalIgnoreCase)))
                .Select(package => $"{project.Folder} references the test framework package {package}: it must stay framework-neutral."))
            .ToList();
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Theory]
    [InlineData("Hosting", "Contracts")]
    [InlineData("Hosting", "UsersApi")]
    [InlineData("Hosting", "AppHost")]
    [InlineData("Hosting", "Gateway")]
    [InlineData("Testing", "Contracts")]
    [InlineData("Testing", "UsersApi")]
    [InlineData("Testing", "AppHost")]
    [InlineData("Testing", "Gateway")]
    [InlineData("PrimaryService", "Hosting")]
    [InlineData("BackupService", "AppHost")]
    [InlineData("Gateway", "Hosting")]
    [InlineData("UsersApi", "AppHost")]
    [InlineData("Contracts", "Processes")]
    [InlineData("Benchmarks", "Tests")]
    [InlineData("Tests", "PrimaryService")]
    public void ABrokenRuleIsReported(string project, string reference)
    {
        var violation = Assert.Single(Violations([(project, reference)]));
        Assert.Contains($"{project} references {reference}", violation, StringComparison.Ordinal);
    }

    private static List<string> Violations(IEnumerable<(string Project, string Reference)> references) =>
        references
            .Where(pair => !Allowed.TryGetValue(pair.Project, out var allowed) || !allowed.Contains(pair.Reference))
            .Select(pair => $"{pair.Project} references {pair.Reference}, which docs/architecture.md does not allow " +
                            $"(it may reference: {(Allowed.TryGetValue(pair.Project, out var allowed) && allowed.Length > 0 ? string.Join(", ", allowed) : "no project")}).")
            .ToList();

    private sealed record Project(string Folder, IReadOnlyList<string> References, IReadOnlyList<string> Packages);

    private static List<Project> Projects(string root) =>
        Directory.EnumerateFiles(root, "*.csproj", SearchOption.AllDirectories)
            .Where(path => !Path.GetRelativePath(root, path).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)
                .Any(part => part is "bin" or "obj" or "TestResults" or "artifacts" || part.StartsWith('.')))
            .Select(path =>
            {
                var document = XDocument.Load(path);
                var directory = Path.GetDirectoryName(path)!;
                var references = document.Descendants("ProjectReference")
                    .Select(reference => (string?)reference.Attribute("Include"))
                    .OfType<string>()
                    .Select(include => Folder(root, Path.GetDirectoryName(Path.GetFullPath(Path.Combine(directory, include.Replace('\\', Path.DirectorySeparatorChar))))!))
                    .ToList();
                var packages = document.Descendants("PackageReference")
                    .Select(package => (string?)package.Attribute("Include"))
                    .OfType<string>()
                    .ToList();
                return new Project(Folder(root, directory), references, packages);
            })
            .OrderBy(project => project.Folder, StringComparer.Ordinal)
            .ToList();

    private static string Folder(string root, string directory) => Path.GetRelativePath(root, directory).Replace('\\', '/');

    /// <summary>The repository's root (or a generated solution's): the first directory above the tests with global.json and Directory.Packages.props.</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "global.json")) && File.Exists(Path.Combine(directory.FullName, "Directory.Packages.props")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No global.json with Directory.Packages.props above {AppContext.BaseDirectory}.");
    }
}
