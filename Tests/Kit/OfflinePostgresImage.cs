namespace Replication.Tests.Kit;

/// <summary>
/// The PostgreSQL image the container tests run (<c>--Postgres:Image</c>): built offline from Debian's packages by
/// <c>Tests/ContainerImages/postgres/build.sh</c>, which keeps the official image's contract. No registry is needed;
/// the script is a no-op once the image exists (it is tagged with a hash of its inputs).
/// </summary>
public static class OfflinePostgresImage
{
    /// <summary>A cold build runs debootstrap (a minute or two, with the Debian mirror); a warm one returns at once.</summary>
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(15);

    private static readonly Lazy<Task<string>> Reference = new(BuildAsync);

    /// <summary>The image reference, built first if the engine does not have it yet; once per test run.</summary>
    public static Task<string> ReferenceAsync() => Reference.Value;

    /// <summary>The build script, found from the AppHost's project up to the repository root.</summary>
    public static string BuildScript
    {
        get
        {
            for (var directory = new DirectoryInfo(Projects.Replication_AppHost.ProjectPath); directory is not null; directory = directory.Parent)
            {
                var script = Path.Combine(directory.FullName, "Tests", "ContainerImages", "postgres", "build.sh");
                if (File.Exists(script))
                {
                    return script;
                }
            }

            throw new FileNotFoundException("Tests/ContainerImages/postgres/build.sh was not found above the AppHost project.");
        }
    }

    private static async Task<string> BuildAsync()
    {
        var built = await CommandRunner.RunAsync("bash", [BuildScript], BuildTimeout);
        var lines = built.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return built.Succeeded && lines.Length > 0
            ? lines[^1]
            : throw new InvalidOperationException($"Building the offline PostgreSQL image failed: {built.Describe()}");
    }
}
