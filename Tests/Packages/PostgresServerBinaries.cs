namespace Replication.Tests.Packages;

/// <summary>Whether the machine has the PostgreSQL server binaries that a replica set of processes runs, for a test that cannot run without them.</summary>
public static class PostgresServerBinaries
{
    private static readonly string[] Programs = ["initdb", "postgres", "pg_basebackup", "pg_rewind", "psql"];

    /// <summary>Why a graph of PostgreSQL processes cannot run here, or null when it can.</summary>
    public static string? MissingReason()
    {
        var candidates = new List<string>();
        var pgConfig = CommandRunner.Run("pg_config", ["--bindir"], TimeSpan.FromSeconds(5));
        if (pgConfig.Succeeded && pgConfig.StandardOutput.Trim() is { Length: > 0 } fromPgConfig)
        {
            candidates.Add(fromPgConfig);
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").Select(version => Path.Combine(version, "bin")));
        }

        return candidates.Any(directory => Programs.All(program => File.Exists(Path.Combine(directory, program))))
            ? null
            : "PostgreSQL server binaries were not found (pg_config on PATH, or /usr/lib/postgresql/*/bin): the scratch app's replica set runs them as processes.";
    }
}
