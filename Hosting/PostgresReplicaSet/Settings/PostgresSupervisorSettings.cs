using Replication.Hosting.PostgresReplicaSet;

namespace Aspire.Hosting;

/// <summary>The dev supervisor's settings: the HA manager that runs inside the AppHost.</summary>
public sealed class PostgresSupervisorSettings
{
    /// <summary>The default <see cref="FailoverAfter"/>.</summary>
    public static readonly TimeSpan DefaultFailoverAfter = TimeSpan.FromSeconds(3);

    /// <summary>How long the primary must be unreachable before the most advanced replica is promoted; zero disables it.</summary>
    public TimeSpan FailoverAfter { get; private set; } = DefaultFailoverAfter;

    /// <summary>Sets how long the primary must be unreachable before a replica is promoted; <see cref="TimeSpan.Zero"/> turns failover off.</summary>
    /// <param name="delay">Zero or more.</param>
    /// <returns>These settings.</returns>
    public PostgresSupervisorSettings WithFailoverAfter(TimeSpan delay)
    {
        Require.That(delay >= TimeSpan.Zero, $"Postgres:FailoverAfter must not be negative; it is {delay}.");
        FailoverAfter = delay;
        return this;
    }
}
