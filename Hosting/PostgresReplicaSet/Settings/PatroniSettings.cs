using Replication.Hosting.PostgresReplicaSet;

namespace Aspire.Hosting;

/// <summary>
/// Patroni's and etcd's settings. The timing goes into the cluster's dynamic configuration when it bootstraps; the
/// ranges are the ones Patroni 3.2 and later enforce (3.0 accepts anything, and would change its mind on upgrade):
/// <c>Ttl</c> ≥ 20, <c>LoopWait</c> ≥ 1, <c>RetryTimeout</c> ≥ 3, and <c>LoopWait + 2 × RetryTimeout ≤ Ttl</c>, so a
/// leader that cannot reach etcd demotes itself before its lock expires.
/// </summary>
public sealed class PatroniSettings
{
    /// <summary>How many etcd members hold the leader lock: 1 (default), or 3 or 5 for a real quorum.</summary>
    public int EtcdMembers { get; private set; } = 1;

    /// <summary>
    /// Seconds the leader lock lives without a refresh (<c>ttl</c>, default 20, the smallest Patroni allows): how long a
    /// dead or frozen primary keeps it before a replica may take over.
    /// </summary>
    public int Ttl { get; private set; } = 20;

    /// <summary>Seconds between two runs of Patroni's loop (<c>loop_wait</c>, default 1): how soon a crash is noticed.</summary>
    public int LoopWait { get; private set; } = 1;

    /// <summary>Seconds etcd and PostgreSQL calls are retried before Patroni gives up on them (<c>retry_timeout</c>, default 5).</summary>
    public int RetryTimeout { get; private set; } = 5;

    /// <summary>
    /// Seconds a crashed primary may take to restart in place before Patroni fails over (<c>primary_start_timeout</c>,
    /// default 0: fail over at once, as the supervisor does; Patroni's own default is 300).
    /// </summary>
    public int PrimaryStartTimeout { get; private set; }

    /// <summary>Sets how many etcd members hold the leader lock: 1, 3 or 5.</summary>
    /// <param name="count">An odd quorum.</param>
    /// <returns>These settings.</returns>
    public PatroniSettings WithEtcdMembers(int count)
    {
        Require.That(count is 1 or 3 or 5, $"Postgres:EtcdMembers must be 1, 3 or 5 (an odd quorum); it is {count}.");
        EtcdMembers = count;
        return this;
    }

    /// <summary>Sets Patroni's timing, in seconds; what is not given keeps its value. Checked together once configured.</summary>
    /// <param name="ttl">The leader lock's lifetime.</param>
    /// <param name="loopWait">The pause between two runs of Patroni's loop.</param>
    /// <param name="retryTimeout">How long etcd and PostgreSQL calls are retried.</param>
    /// <param name="primaryStartTimeout">How long a crashed primary may take to restart in place.</param>
    /// <returns>These settings.</returns>
    public PatroniSettings WithTiming(int? ttl = null, int? loopWait = null, int? retryTimeout = null, int? primaryStartTimeout = null)
    {
        Ttl = ttl ?? Ttl;
        LoopWait = loopWait ?? LoopWait;
        RetryTimeout = retryTimeout ?? RetryTimeout;
        PrimaryStartTimeout = primaryStartTimeout ?? PrimaryStartTimeout;
        return this;
    }

    internal void Validate()
    {
        Require.That(Ttl >= 20, $"Postgres:Patroni:Ttl must be at least 20; it is {Ttl}.");
        Require.That(LoopWait >= 1, $"Postgres:Patroni:LoopWait must be at least 1; it is {LoopWait}.");
        Require.That(RetryTimeout >= 3, $"Postgres:Patroni:RetryTimeout must be at least 3; it is {RetryTimeout}.");
        Require.That(PrimaryStartTimeout >= 0, $"Postgres:Patroni:PrimaryStartTimeout must not be negative; it is {PrimaryStartTimeout}.");
        Require.That(LoopWait + 2 * RetryTimeout <= Ttl,
            $"Postgres:Patroni needs LoopWait + 2 × RetryTimeout ≤ Ttl; it is {LoopWait} + 2 × {RetryTimeout} > {Ttl}.");
    }
}
