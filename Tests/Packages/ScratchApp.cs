using System.Globalization;
using System.Reflection;
using Replication.Tests.Template;

namespace Replication.Tests.Packages;

/// <summary>
/// Another Aspire app, written out of this assembly's embedded copy of <c>Tests/Packages/ScratchApp</c> into a temporary
/// directory outside the repository, with a local feed of this repository's packages beside it. Disposing it deletes both,
/// and the packages' version from the NuGet cache: each run packs a version of its own, so no run restores an older one.
/// </summary>
public sealed class ScratchApp : IDisposable
{
    private const string ResourcePrefix = "ScratchApp/";

    /// <summary>The projects packed into the feed: the kit and everything of this repository it depends on.</summary>
    private static readonly string[] PackedProjects =
    [
        "Processes/Replication.Processes.csproj",
        "Hosting/Replication.Hosting.csproj",
        "Testing/Replication.Testing.csproj",
    ];

    private ScratchApp(string workDirectory)
    {
        WorkDirectory = workDirectory;
        Version = string.Create(CultureInfo.InvariantCulture, $"1.0.0-scratch.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}");
    }

    public string WorkDirectory { get; }

    /// <summary>The local feed: the packages under test, and nothing else.</summary>
    public string Feed => Path.Combine(WorkDirectory, "feed");

    /// <summary>The app's solution directory.</summary>
    public string AppDirectory => Path.Combine(WorkDirectory, "app");

    /// <summary>The version the packages are packed with, and the app references.</summary>
    public string Version { get; }

    public static ScratchApp Create() => new(Directory.CreateTempSubdirectory("replication-scratch-").FullName);

    /// <summary>Packs the kit and what it depends on from <paramref name="repositoryRoot"/> into <see cref="Feed"/>, built apart from the repository's own output.</summary>
    public async Task<TimeSpan> PackAsync(string repositoryRoot, TimeSpan timeout)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var project in PackedProjects)
        {
            var pack = await DotnetCommand.RunAsync(repositoryRoot, timeout,
                "pack", Path.Combine(repositoryRoot, project), "--output", Feed,
                "--artifacts-path", Path.Combine(WorkDirectory, "pack-artifacts"), $"-p:Version={Version}");
            if (!pack.Succeeded)
            {
                throw new InvalidOperationException($"Packing {project} failed: {pack}");
            }
        }

        return stopwatch.Elapsed;
    }

    /// <summary>The packages in the feed, by file name.</summary>
    public IReadOnlyList<string> Packages() => [.. Directory.GetFiles(Feed, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    /// <summary>Writes the app's files, its NuGet.config naming the feed and its package versions naming <see cref="Version"/>.</summary>
    public void WriteApp()
    {
        var assembly = typeof(ScratchApp).Assembly;
        var resources = assembly.GetManifestResourceNames().Where(name => name.Replace('\\', '/').StartsWith(ResourcePrefix, StringComparison.Ordinal)).ToList();
        if (resources.Count == 0)
        {
            throw new InvalidOperationException("The scratch app's files are not embedded in the test assembly (Tests/Packages/ScratchApp/**).");
        }

        foreach (var resource in resources)
        {
            var relative = resource.Replace('\\', '/')[ResourcePrefix.Length..];
            var target = Path.Combine(AppDirectory, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, ReadResource(assembly, resource)
                .Replace("{{LocalFeed}}", Feed, StringComparison.Ordinal)
                .Replace("{{ReplicationVersion}}", Version, StringComparison.Ordinal));
        }
    }

    public void Dispose()
    {
        DeleteDirectory(WorkDirectory);
        var nugetPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var project in PackedProjects)
        {
            var package = Path.Combine(nugetPackages, Path.GetFileNameWithoutExtension(project).ToLowerInvariant());
            DeleteDirectory(Path.Combine(package, Version.ToLowerInvariant()));
            if (Directory.Exists(package) && !Directory.EnumerateFileSystemEntries(package).Any())
            {
                DeleteDirectory(package);
            }
        }
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static void DeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // A build server may still hold a file for a moment; the directory is in the temp folder either way.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
