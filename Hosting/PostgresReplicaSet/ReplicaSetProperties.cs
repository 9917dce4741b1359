namespace Aspire.Hosting.ApplicationModel;

/// <summary>Names of the dashboard properties the replica set publishes.</summary>
public static class ReplicaSetProperties
{
    /// <summary>On the set: the runtime the nodes run on, and why it was chosen (<c>Process (auto: docker did not answer, 90 ms)</c>).</summary>
    public const string Runtime = "postgres.runtime";

    /// <summary>On the set: <c>Async</c> or <c>Sync</c>.</summary>
    public const string Durability = "postgres.durability";

    /// <summary>On the set: what fails over, <c>Supervisor</c> or <c>Patroni</c>.</summary>
    public const string HaManager = "postgres.ha_manager";

    /// <summary>Under Patroni, on the set and on each node: the member that holds the leader lock.</summary>
    public const string Leader = "patroni.leader";

    /// <summary>Under Patroni: the member's state (<c>running</c>, <c>starting</c>, <c>stopped</c>, <c>creating replica</c>, …).</summary>
    public const string PatroniState = "patroni.state";

    /// <summary>Under Patroni: the timeline the member runs on (each promotion starts a new one).</summary>
    public const string Timeline = "postgres.timeline";

    /// <summary>On the set: how many replicas run beside the primary.</summary>
    public const string Replicas = "postgres.replicas";

    /// <summary>
    /// On the set: the node the AppHost knows as the primary. Found from the nodes themselves when the set starts (after an
    /// AppHost restart with data volumes, not necessarily pg-0), then the node each promotion makes primary.
    /// </summary>
    public const string Primary = "postgres.primary";

    /// <summary><c>primary</c> or <c>replica</c>, as the node itself reports it (<c>pg_is_in_recovery()</c>).</summary>
    public const string Role = "postgres.role";

    /// <summary>The primary's current WAL position, or a replica's last replayed one.</summary>
    public const string Lsn = "postgres.lsn";

    /// <summary>A replica's replay lag behind the primary, in bytes.</summary>
    public const string LagBytes = "postgres.lag.bytes";

    /// <summary>A replica's replay lag behind the primary, in seconds (<c>pg_stat_replication.replay_lag</c>).</summary>
    public const string LagSeconds = "postgres.lag.seconds";

    /// <summary><c>true</c> on a former primary that was fenced by a failover and must be rejoined before it is used again.</summary>
    public const string Fenced = "postgres.fenced";

    /// <summary>A replica's state in the primary's eyes: <c>sync</c>, <c>quorum</c>, <c>potential</c> or <c>async</c>.</summary>
    public const string SyncState = "postgres.sync_state";
}
