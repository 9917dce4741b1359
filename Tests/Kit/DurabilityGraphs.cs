namespace Replication.Tests.Kit;

/// <summary>
/// A graph with synchronous replication (<c>ANY 1</c> standby): an acknowledged write survives a primary crash. Three
/// replicas, so that a synchronous standby remains after two failovers in a row.
/// </summary>
public sealed class SyncDurabilityGraph : GraphFixture
{
    public const string Name = "Sync durability";

    protected override IEnumerable<string> GraphArguments => ["--Postgres:Durability=Sync", "--Postgres:Replicas=3"];
}

/// <summary>
/// Replicas that apply WAL 300 ms late, so a read that ignores its consistency token would be stale; and no automatic
/// failover (<c>Postgres:FailoverAfter=0</c>): the supervisor finds the primary and runs the nodes' commands but moves
/// nothing by itself, so a second writable node made behind its back stays, as the split-brain report's negative
/// control needs.
/// </summary>
public sealed class DelayedReplicasGraph : GraphFixture
{
    public const string Name = "Delayed replicas";

    protected override IEnumerable<string> GraphArguments => ["--Postgres:ReplicaApplyDelay=00:00:00.300", "--Postgres:FailoverAfter=00:00:00"];
}

/// <summary>A primary alone (<c>Postgres:Replicas=0</c>): reads and writes both go to pg-0.</summary>
public sealed class NoReplicasGraph : GraphFixture
{
    public const string Name = "No replicas";

    protected override IEnumerable<string> GraphArguments => ["--Postgres:Replicas=0"];
}
