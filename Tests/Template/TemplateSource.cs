using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Replication.Tests.Template;

/// <summary>The repository seen as the template's source: its root, its solution's GUIDs and its template.json.</summary>
public static partial class TemplateSource
{
    /// <summary>Project-type GUIDs (C# project, solution folder) name kinds of projects; they stay as they are.</summary>
    private static readonly string[] ProjectTypeGuids = ["FAE04EC0-301F-11D3-BF4B-00C04F79EFBC", "2150E333-8FDC-42A3-9474-1A3956D46DE8", "9A19103F-16F7-4668-BE54-9A1E7A4F7556"];

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, ".template.config")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No .template.config above {AppContext.BaseDirectory}.");
    }

    public static IReadOnlyList<string> SolutionGuids(string root) =>
        Guid().Matches(File.ReadAllText(Path.Combine(root, "Replication.sln")))
            .Select(match => match.Groups[1].Value.ToUpperInvariant())
            .Distinct()
            .Except(ProjectTypeGuids)
            .ToList();

    public static IReadOnlyList<string> UserSecretsIds(string root) =>
        Directory.GetFiles(root, "*.csproj", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}template{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(path => XDocument.Load(path).Descendants("UserSecretsId").Select(element => element.Value))
            .ToList();

    public static IReadOnlyList<string> ReplacedGuids(string root) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(root, ".template.config", "template.json")))!["guids"]!.AsArray()
            .Select(guid => guid!.GetValue<string>().ToUpperInvariant())
            .ToList();

    [GeneratedRegex(@"\{([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\}")]
    private static partial Regex Guid();
}
