using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>Where the PostgreSQL nodes run.</summary>
public enum PostgresRuntime
{
    /// <summary>Containers when a container runtime answers, the machine's PostgreSQL binaries otherwise.</summary>
    Auto,

    /// <summary>The machine's PostgreSQL binaries, run as Aspire executables.</summary>
    Process,

    /// <summary>The official postgres image (or <see cref="PostgresReplicaSetOptions.Image"/>), run as Aspire containers.</summary>
    Container,
}

/// <summary>When a write is acknowledged.</summary>
public enum PostgresDurability
{
    /// <summary>Once it is durable on the primary. A primary crash can lose the last acknowledged writes.</summary>
    Async,

    /// <summary>Once a quorum of one standby has it too (<c>ANY 1 (...)</c>), so a primary crash loses nothing acknowledged.</summary>
    Sync,
}

/// <summary>What fails the replica set over when its primary dies.</summary>
public enum PostgresHaManager
{
    /// <summary>The dev supervisor inside the AppHost: promotes the most advanced replica after <c>FailoverAfter</c>.</summary>
    Supervisor,

    /// <summary>
    /// Patroni with etcd: each node is a Patroni process that owns its PostgreSQL (bootstrap, base backups, leader lock,
    /// failover, pg_rewind, slots); the AppHost only starts and observes them. Process runtime only.
    /// </summary>
    Patroni,
}

/// <summary>The <c>Postgres</c> configuration section of the AppHost. Read once, then passed down.</summary>
public sealed class PostgresReplicaSetOptions
{
    /// <summary>The configuration section the options are read from.</summary>
    public const string SectionName = "Postgres";

    /// <summary>The most replicas a set may have.</summary>
    public const int MaxReplicas = 5;

    /// <summary>Where the nodes run: <c>Auto</c> (default), <c>Process</c> or <c>Container</c>.</summary>
    public PostgresRuntime Runtime { get; set; } = PostgresRuntime.Auto;

    /// <summary>Where the PostgreSQL server binaries are (process runtime); found through pg_config when empty.</summary>
    public string? BinDirectory { get; set; }

    /// <summary>How many streaming replicas run beside the primary, 0 to <see cref="MaxReplicas"/>.</summary>
    public int Replicas { get; set; } = 2;

    /// <summary>Container runtime: keep each node's data in a named volume, so it outlives the AppHost. Off by default.</summary>
    public bool DataVolumes { get; set; }

    /// <summary>
    /// Container runtime: the image every node runs, as <c>[registry/]repository[:tag]</c>, instead of the official image
    /// at the tag Aspire.Hosting.PostgreSQL pins, e.g. a mirror in an air-gapped registry. It must keep the official
    /// image's contract (its environment variables, init files and entrypoint).
    /// </summary>
    public string? Image { get; set; }

    /// <summary>When a write is acknowledged: <c>Async</c> (default) or <c>Sync</c>.</summary>
    public PostgresDurability Durability { get; set; } = PostgresDurability.Async;

    /// <summary><c>on</c> or <c>remote_apply</c>; used with <see cref="PostgresDurability.Sync"/>.</summary>
    public string SynchronousCommit { get; set; } = "on";

    /// <summary>How long the primary must be unreachable before the most advanced replica is promoted. Zero disables it.</summary>
    public TimeSpan FailoverAfter { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>What fails over: <c>Supervisor</c> (default) or <c>Patroni</c>.</summary>
    public PostgresHaManager HaManager { get; set; } = PostgresHaManager.Supervisor;

    /// <summary>With Patroni: how many etcd members hold its leader lock, 1 (default) or 3 or 5 for a real quorum.</summary>
    public int EtcdMembers { get; set; } = 1;

    /// <summary>With Patroni: its timing settings (the <c>Postgres:Patroni</c> section).</summary>
    public PatroniOptions Patroni { get; set; } = new();

    /// <summary>
    /// Replicas apply WAL this long after it was written (<c>recovery_min_apply_delay</c>): a delayed replica, or a way
    /// to make replication lag visible when testing read-your-writes. Zero by default.
    /// </summary>
    public TimeSpan ReplicaApplyDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Reads the <c>Postgres</c> section and checks it.</summary>
    /// <param name="configuration">The AppHost's configuration.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of its range.</exception>
    public static PostgresReplicaSetOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new PostgresReplicaSetOptions();
        configuration.GetSection(SectionName).Bind(options);
        if (options.Replicas is < 0 or > MaxReplicas)
        {
            throw new ArgumentOutOfRangeException(nameof(configuration),
                $"Postgres:Replicas must be between 0 and {MaxReplicas}; it is {options.Replicas}.");
        }

        if (options.SynchronousCommit is not ("on" or "remote_apply"))
        {
            throw new ArgumentOutOfRangeException(nameof(configuration),
                $"Postgres:SynchronousCommit must be 'on' or 'remote_apply'; it is '{options.SynchronousCommit}'.");
        }

        if (options.EtcdMembers is not (1 or 3 or 5))
        {
            throw new ArgumentOutOfRangeException(nameof(configuration),
                $"Postgres:EtcdMembers must be 1, 3 or 5 (an odd quorum); it is {options.EtcdMembers}.");
        }

        if (options.Patroni.Problem() is { } problem)
        {
            throw new ArgumentOutOfRangeException(nameof(configuration), problem);
        }

        if (options.Image is not null && !PostgresImage.TryParse(options.Image, out _))
        {
            throw new ArgumentOutOfRangeException(nameof(configuration),
                $"Postgres:Image must be [registry/]repository[:tag], e.g. registry.example.com/mirror/postgres:18.3; it is '{options.Image}'.");
        }

        return options;
    }
}
