using Replication.Hosting.PostgresReplicaSet;

namespace Aspire.Hosting;

/// <summary>The process runtime's settings: the machine's PostgreSQL binaries run as Aspire executables.</summary>
public sealed class PostgresProcessSettings
{
    /// <summary>Where the PostgreSQL server binaries are; found through <c>pg_config</c> (or under /usr/lib/postgresql) when null.</summary>
    public string? BinDirectory { get; private set; }

    /// <summary>Whether any setting differs from the default.</summary>
    public bool IsCustomized => BinDirectory is not null;

    /// <summary>Runs the binaries in <paramref name="directory"/> (initdb, postgres, pg_basebackup, pg_rewind, psql).</summary>
    /// <param name="directory">A directory of PostgreSQL server binaries.</param>
    /// <returns>These settings.</returns>
    public PostgresProcessSettings WithBinDirectory(string directory)
    {
        Require.That(!string.IsNullOrWhiteSpace(directory), "Postgres:BinDirectory must name a directory.");
        BinDirectory = directory;
        return this;
    }
}
