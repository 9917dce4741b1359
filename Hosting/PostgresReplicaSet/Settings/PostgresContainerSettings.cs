using Replication.Hosting.PostgresReplicaSet;

namespace Aspire.Hosting;

/// <summary>The container runtime's settings.</summary>
public sealed class PostgresContainerSettings
{
    /// <summary>The image every node runs instead of the official one; null for the official image at Aspire's pinned tag.</summary>
    public string? Image { get; private set; }

    /// <summary>Whether each node keeps its data in a named volume, which outlives the AppHost.</summary>
    public bool DataVolumes { get; private set; }

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
    /// <returns>These settings.</returns>
    public PostgresContainerSettings WithDataVolumes()
    {
        DataVolumes = true;
        return this;
    }
}
