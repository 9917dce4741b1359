namespace Aspire.Hosting;

/// <summary>
/// Patroni's timing settings (the <c>Postgres:Patroni</c> section), written into the cluster's dynamic configuration
/// when it bootstraps. The ranges are the ones Patroni 3.2 and later enforce (3.0 accepts anything, and would change
/// its mind on upgrade): <c>Ttl</c> ≥ 20, <c>LoopWait</c> ≥ 1, <c>RetryTimeout</c> ≥ 3, and
/// <c>LoopWait + 2 × RetryTimeout ≤ Ttl</c>, so a leader that cannot reach etcd demotes itself before its lock expires.
/// </summary>
public sealed class PatroniOptions
{
    /// <summary>
    /// Seconds the leader lock lives without a refresh (<c>ttl</c>, default 20, the smallest Patroni allows): how long a
    /// dead or frozen primary keeps it before a replica may take over.
    /// </summary>
    public int Ttl { get; set; } = 20;

    /// <summary>Seconds between two runs of Patroni's loop (<c>loop_wait</c>, default 1): how soon a crash is noticed.</summary>
    public int LoopWait { get; set; } = 1;

    /// <summary>Seconds etcd and PostgreSQL calls are retried before Patroni gives up on them (<c>retry_timeout</c>, default 5).</summary>
    public int RetryTimeout { get; set; } = 5;

    /// <summary>
    /// Seconds a crashed primary may take to restart in place before Patroni fails over (<c>primary_start_timeout</c>,
    /// default 0: fail over at once, as the supervisor does; Patroni's own default is 300).
    /// </summary>
    public int PrimaryStartTimeout { get; set; }

    /// <summary>Why the settings are out of Patroni's ranges, or null when they are within them.</summary>
    internal string? Problem() =>
        Ttl < 20 ? $"Postgres:Patroni:Ttl must be at least 20; it is {Ttl}."
        : LoopWait < 1 ? $"Postgres:Patroni:LoopWait must be at least 1; it is {LoopWait}."
        : RetryTimeout < 3 ? $"Postgres:Patroni:RetryTimeout must be at least 3; it is {RetryTimeout}."
        : PrimaryStartTimeout < 0 ? $"Postgres:Patroni:PrimaryStartTimeout must not be negative; it is {PrimaryStartTimeout}."
        : LoopWait + 2 * RetryTimeout > Ttl ? $"Postgres:Patroni needs LoopWait + 2 × RetryTimeout ≤ Ttl; it is {LoopWait} + 2 × {RetryTimeout} > {Ttl}."
        : null;
}
