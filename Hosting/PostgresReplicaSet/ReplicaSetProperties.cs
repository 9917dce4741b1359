namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Names of the dashboard properties the replica set publishes: one set whatever the HA manager, so the dashboard and
/// the testing kit read either alike. The manager's own extras (<see cref="PatroniState"/>, <see cref="Fenced"/>) sit beside them.
/// </summary>
public static class ReplicaSetProperties
{
    /// <summary>On the set: where the nodes run, and why (<c>Process (auto: docker did not answer, 90 ms)</c>).</summary>
    public const string Runtime = "postgres.runtime";

    /// <summary>On the set: <c>Async</c> or <c>Sync</c>.</summary>
    public const string Durability = "postgres.durability";

    /// <summary>On the set: what fails over, the supervisor or Patroni, with its timing.</summary>
    public const string HaManager = "postgres.ha_manager";

    /// <summary>On the set: how many replicas run beside the primary.</summary>
    public const string Replicas = "postgres.replicas";

    /// <summary>
    /// On the set and on each node: the primary as the HA manager knows it (the supervisor's record, Patroni's leader).
    /// After an AppHost restart with data volumes, not necessarily pg-0.
    /// </summary>
    public const string Primary = "postgres.primary";

    /// <summary><c>primary</c>, <c>replica</c>, <c>unreachable</c> or <c>stopped</c>, as the node itself reports it (<c>pg_is_in_recovery()</c>).</summary>
    public const string Role = "postgres.role";

    /// <summary>The primary's current WAL position, or a replica's last replayed one.</summary>
    public const string Lsn = "postgres.lsn";

    /// <summary>The timeline the node writes (a primary) or receives (a replica): each promotion starts a new one.</summary>
    public const string Timeline = "postgres.timeline";

    /// <summary>A replica's replay lag behind the primary, in bytes.</summary>
    public const string LagBytes = "postgres.lag.bytes";

    /// <summary>A replica's replay lag behind the primary, in seconds (<c>pg_stat_replication.replay_lag</c>).</summary>
    public const string LagSeconds = "postgres.lag.seconds";

    /// <summary>A replica's state in the primary's eyes: <c>sync</c>, <c>quorum</c>, <c>potential</c> or <c>async</c>.</summary>
    public const string SyncState = "postgres.sync_state";

    /// <summary>Under the supervisor: <c>true</c> on a former primary fenced by a failover, until it is rejoined.</summary>
    public const string Fenced = "postgres.fenced";

    /// <summary>Under Patroni: the member's state (<c>running</c>, <c>starting</c>, <c>stopped</c>, <c>creating replica</c>, …).</summary>
    public const string PatroniState = "patroni.state";
}
