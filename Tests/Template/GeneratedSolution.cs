using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Replication.Tests.Template;

/// <summary>A solution created from the template: its files, its text and the host ports it was given.</summary>
public sealed class GeneratedSolution(string name, string directory, params string[] excludedFolders)
{
    public string Name { get; } = name;

    public string Directory { get; } = directory;

    public string SolutionFile => Path.Combine(Directory, Name + ".sln");

    /// <summary>The result of <c>dotnet build</c>, when the solution was built.</summary>
    public DotnetResult? Build { get; set; }

    /// <summary>Every file, as a path relative to the solution's directory with '/' separators.</summary>
    public IReadOnlyList<string> Files() =>
        System.IO.Directory.GetFiles(Directory, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Directory, path).Replace('\\', '/'))
            .Where(path => !path.Split('/').Any(part => part is "bin" or "obj" or ".git" or "TestResults"))
            .Where(path => !excludedFolders.Any(folder => path.StartsWith(folder + "/", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .ToList();

    public string Read(string relativePath) => File.ReadAllText(Path.Combine(Directory, relativePath));

    /// <summary>Lines, as "file: line", where <paramref name="pattern"/> matches in the text files.</summary>
    public IReadOnlyList<string> Find(Regex pattern) =>
        Files()
            .Where(file => TextExtensions.Contains(Path.GetExtension(file)) || Path.GetFileName(file).StartsWith('.'))
            .SelectMany(file => Read(file).Split('\n').Where(line => pattern.IsMatch(line)).Select(line => $"{file}: {line.Trim()}"))
            .ToList();

    /// <summary>Occurrences of <paramref name="text"/> in code and configuration (not in prose).</summary>
    public int Count(string text) =>
        Files().Where(file => TextExtensions.Contains(Path.GetExtension(file)) && Path.GetExtension(file) != ".md")
            .Sum(file => Regex.Count(Read(file), Regex.Escape(text)));

    /// <summary>The host ports that must differ for two solutions to run side by side.</summary>
    public HostPorts Ports()
    {
        var profile = JsonNode.Parse(Read("AppHost/Properties/launchSettings.json"))!["profiles"]!["http"]!;
        var gateway = JsonNode.Parse(Read("AppHost/appsettings.json"))!["Gateway"]!["Port"]!.GetValue<int>();
        return new HostPorts(
            Dashboard: PortOf(profile["applicationUrl"]!.GetValue<string>()),
            Otlp: PortOf(profile["environmentVariables"]!["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"]!.GetValue<string>()),
            ResourceService: PortOf(profile["environmentVariables"]!["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"]!.GetValue<string>()),
            Gateway: gateway);
    }

    private static int PortOf(string url) => new Uri(url).Port;

    private static readonly HashSet<string> TextExtensions = [".cs", ".csproj", ".props", ".targets", ".sln", ".json", ".md", ".sh"];
}

public sealed record HostPorts(int Dashboard, int Otlp, int ResourceService, int Gateway)
{
    public IEnumerable<int> All() => [Dashboard, Otlp, ResourceService, Gateway];
}
