using Replication.Hosting.PostgresReplicaSet;

namespace Aspire.Hosting;

/// <summary>The container runtime's settings.</summary>
public sealed partial class PostgresContainerSettings
{
    /// <summary>The image every node runs instead of the official one; null for the official image at Aspire's pinned tag.</summary>
    public string? Image { get; private set; }

    /// <summary>Whether each node keeps its data in a named volume, which outlives the AppHost.</summary>
    public bool DataVolumes { get; private set; }

    /// <summary>What the data volumes' names start with (<c>{prefix}-{member}-data</c>); null for Aspire's own names, after the AppHost.</summary>
    public string? DataVolumePrefix { get; private set; }

    /// <summary>Whether any setting differs from the default.</summary>
    public bool IsCustomized => Image is not null || DataVolumes;

    /// <summary>
    /// Runs every node (and, under Patroni, every etcd member) on <paramref name="reference"/>, e.g. a mirror in an
    /// air-gapped registry. It must keep the official image's contract (PGDATA, the server binaries on PATH, gosu), and,
    /// under Patroni, have Patroni, its etcd client and etcd installed.
    /// </summary>
    /// <param name="reference"><c>[registry/]repository[:tag]</c>.</param>
    /// <returns>These settings.</returns>
    public PostgresContainerSettings WithImage(string reference)
    {
        Require.That(PostgresImage.TryParse(reference, out _),
            $"Postgres:Image must be [registry/]repository[:tag], e.g. registry.example.com/mirror/postgres:18.3; it is '{reference}'.");
        Image = reference;
        return this;
    }

    /// <summary>Keeps each node's data in a named volume, so it survives the AppHost's restart.</summary>
    /// <param name="namePrefix">What the volumes' names start with (<c>{prefix}-pg-0-data</c>, …); by default Aspire names them after the AppHost.</param>
    /// <returns>These settings.</returns>
    public PostgresContainerSettings WithDataVolumes(string? namePrefix = null)
    {
        Require.That(namePrefix is null || VolumePrefix().IsMatch(namePrefix),
            $"Postgres:DataVolumePrefix must be letters, digits, '.', '_' or '-', starting with a letter or digit; it is '{namePrefix}'.");
        DataVolumes = true;
        DataVolumePrefix = namePrefix;
        return this;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial System.Text.RegularExpressions.Regex VolumePrefix();
}
