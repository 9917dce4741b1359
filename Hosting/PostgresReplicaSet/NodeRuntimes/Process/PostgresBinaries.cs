using Replication.Processes;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>The machine's PostgreSQL server binaries (initdb, postgres, pg_basebackup, pg_rewind) and psql.</summary>
internal sealed record PostgresBinaries(string BinDirectory)
{
    public const string InstallHint =
        "PostgreSQL server binaries were not found (looked in Postgres:BinDirectory, or for pg_config on PATH and in /usr/lib/postgresql/*/bin). " +
        "Install them (Debian/Ubuntu: 'sudo apt-get install -y postgresql'; macOS: 'brew install postgresql@16'), " +
        "or point Postgres:BinDirectory at them.";

    private static readonly TimeSpan PgConfigTimeout = TimeSpan.FromSeconds(5);

    public string InitDb => Path.Combine(BinDirectory, "initdb");

    public string Postgres => Path.Combine(BinDirectory, "postgres");

    public string BaseBackup => Path.Combine(BinDirectory, "pg_basebackup");

    public string Rewind => Path.Combine(BinDirectory, "pg_rewind");

    public string Psql => Path.Combine(BinDirectory, "psql");

    private bool IsComplete => File.Exists(Postgres) && File.Exists(InitDb) && File.Exists(BaseBackup) && File.Exists(Rewind) && File.Exists(Psql);

    public static PostgresBinaries? Locate(string? configuredDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configuredDirectory))
        {
            var configured = new PostgresBinaries(configuredDirectory);
            return configured.IsComplete ? configured : null;
        }

        var candidates = new List<string>();
        // Model build is synchronous, so this asks pg_config synchronously, with a deadline.
        var pgConfig = CommandRunner.Run("pg_config", ["--bindir"], PgConfigTimeout);
        if (pgConfig.Succeeded && pgConfig.StandardOutput.Trim() is { Length: > 0 } fromPgConfig)
        {
            candidates.Add(fromPgConfig);
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(version => int.TryParse(Path.GetFileName(version), out var major) ? major : 0)
                .Select(version => Path.Combine(version, "bin")));
        }

        return candidates
            .Select(directory => new PostgresBinaries(directory))
            .FirstOrDefault(binaries => binaries.IsComplete);
    }
}
