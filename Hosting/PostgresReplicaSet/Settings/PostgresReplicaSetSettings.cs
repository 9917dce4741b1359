using Replication.Hosting.PostgresReplicaSet;

namespace Aspire.Hosting;

/// <summary>When a write is acknowledged.</summary>
public enum PostgresDurability
{
    /// <summary>Once it is durable on the primary. A primary crash can lose the last acknowledged writes.</summary>
    Async,

    /// <summary>Once a quorum of one standby has it too (<c>ANY 1 (...)</c>), so a primary crash loses nothing acknowledged.</summary>
    Sync,
}

/// <summary>What a synchronous standby must have done before the primary acknowledges a commit.</summary>
public enum PostgresSynchronousCommit
{
    /// <summary><c>on</c>: the standby has flushed the commit to disk.</summary>
    On,

    /// <summary><c>remote_apply</c>: the standby has applied it too, so a read there sees it.</summary>
    RemoteApply,
}

/// <summary>
/// How a replica set is built, given to <see cref="PostgresReplicaSetBuilderExtensions.AddPostgresReplicaSet"/>. Two
/// independent choices, each made once: where the nodes run (<see cref="RunAsProcesses"/>, <see cref="RunAsContainers"/>,
/// or, by default, containers when an engine answers and processes otherwise) and what fails them over
/// (<see cref="WithSupervisor"/>, the default, or <see cref="WithPatroni"/>). Each setting is checked when it is made;
/// a setting of a runtime that <see cref="RunWhereAvailable"/> did not choose is refused when the AppHost starts.
/// </summary>
/// <example>
/// <code>
/// builder.AddPostgresReplicaSet("pg", set => set
///     .WithReplicas(2)
///     .WithDurability(PostgresDurability.Sync)
///     .RunAsContainers(containers => containers.WithDataVolumes())
///     .WithPatroni(patroni => patroni.WithEtcdMembers(3)));
/// </code>
/// </example>
public sealed class PostgresReplicaSetSettings
{
    /// <summary>The most replicas a set may have.</summary>
    public const int MaxReplicas = 5;

    /// <summary>The defaults: two replicas, Async, containers when an engine answers (else processes), the supervisor.</summary>
    public PostgresReplicaSetSettings()
    {
    }

    /// <summary>How many streaming replicas run beside the primary (default 2).</summary>
    public int Replicas { get; private set; } = 2;

    /// <summary>When a write is acknowledged (default <see cref="PostgresDurability.Async"/>).</summary>
    public PostgresDurability Durability { get; private set; } = PostgresDurability.Async;

    /// <summary>With <see cref="PostgresDurability.Sync"/>: what the synchronous standby must have done (default <c>on</c>).</summary>
    public PostgresSynchronousCommit SynchronousCommit { get; private set; } = PostgresSynchronousCommit.On;

    /// <summary>How long replicas wait before they apply WAL (<c>recovery_min_apply_delay</c>; default none).</summary>
    public TimeSpan ReplicaApplyDelay { get; private set; } = TimeSpan.Zero;

    /// <summary>The process runtime's settings when the nodes may run as processes; null otherwise.</summary>
    public PostgresProcessSettings? Processes { get; private set; } = new();

    /// <summary>The container runtime's settings when the nodes may run as containers; null otherwise.</summary>
    public PostgresContainerSettings? Containers { get; private set; } = new();

    /// <summary>The supervisor's settings when it fails the set over; null under Patroni.</summary>
    public PostgresSupervisorSettings? Supervisor { get; private set; } = new();

    /// <summary>Patroni's settings when it fails the set over; null under the supervisor.</summary>
    public PatroniSettings? Patroni { get; private set; }

    /// <summary>Whether the runtime is chosen when the AppHost starts: containers when an engine answers, processes otherwise.</summary>
    public bool ChoosesRuntimeAtStart => Processes is not null && Containers is not null;

    /// <summary>Sets how many streaming replicas run beside the primary, 0 to <see cref="MaxReplicas"/>.</summary>
    /// <param name="count">The number of replicas.</param>
    /// <returns>These settings.</returns>
    public PostgresReplicaSetSettings WithReplicas(int count)
    {
        Require.InRange(count, 0, MaxReplicas, "Postgres:Replicas");
        Replicas = count;
        return this;
    }

    /// <summary>Sets when a write is acknowledged; with <see cref="PostgresDurability.Sync"/>, what the standby must have done first.</summary>
    /// <param name="durability">Async or Sync.</param>
    /// <param name="synchronousCommit">With Sync: flushed (<c>on</c>, default) or applied (<c>remote_apply</c>).</param>
    /// <returns>These settings.</returns>
    public PostgresReplicaSetSettings WithDurability(PostgresDurability durability, PostgresSynchronousCommit synchronousCommit = PostgresSynchronousCommit.On)
    {
        Require.Defined(durability, "Postgres:Durability");
        Require.Defined(synchronousCommit, "Postgres:SynchronousCommit");
        Require.That(durability == PostgresDurability.Sync || synchronousCommit == PostgresSynchronousCommit.On,
            "Postgres:SynchronousCommit applies to Postgres:Durability=Sync only; it is Async.");
        Durability = durability;
        SynchronousCommit = synchronousCommit;
        return this;
    }

    /// <summary>Makes the replicas apply WAL <paramref name="delay"/> late: a delayed replica, or visible lag to test read-your-writes.</summary>
    /// <param name="delay">Zero or more.</param>
    /// <returns>These settings.</returns>
    public PostgresReplicaSetSettings WithReplicaApplyDelay(TimeSpan delay)
    {
        Require.That(delay >= TimeSpan.Zero, $"Postgres:ReplicaApplyDelay must not be negative; it is {delay}.");
        ReplicaApplyDelay = delay;
        return this;
    }

    /// <summary>Runs the nodes on the machine's PostgreSQL binaries, as Aspire executables.</summary>
    /// <param name="configure">The process runtime's own settings.</param>
    /// <returns>These settings.</returns>
    public PostgresReplicaSetSettings RunAsProcesses(Action<PostgresProcessSettings>? configure = null)
    {
        Processes = Configured(configure);
        Containers = null;
        return this;
    }

    /// <summary>Runs the nodes as containers of the official postgres image (or <see cref="PostgresContainerSettings.WithImage"/>).</summary>
    /// <param name="configure">The container runtime's own settings.</param>
    /// <returns>These settings.</returns>
    public PostgresReplicaSetSettings RunAsContainers(Action<PostgresContainerSettings>? configure = null)
    {
        Containers = Configured(configure);
        Processes = null;
        return this;
    }

    /// <summary>
    /// The default: containers when the container runtime answers when the AppHost starts, processes otherwise. The
    /// settings of the runtime that is not chosen must be empty then, or the AppHost refuses to start, naming them.
    /// </summary>
    /// <param name="containers">The container runtime's settings, used if it is chosen.</param>
    /// <param name="processes">The process runtime's settings, used if it is chosen.</param>
    /// <returns>These settings.</returns>
    public PostgresReplicaSetSettings RunWhereAvailable(Action<PostgresContainerSettings>? containers = null, Action<PostgresProcessSettings>? processes = null)
    {
        Containers = Configured(containers);
        Processes = Configured(processes);
        return this;
    }

    /// <summary>The dev supervisor inside the AppHost fails the set over (the default); it runs only while the AppHost does.</summary>
    /// <param name="configure">The supervisor's own settings.</param>
    /// <returns>These settings.</returns>
    public PostgresReplicaSetSettings WithSupervisor(Action<PostgresSupervisorSettings>? configure = null)
    {
        Supervisor = Configured(configure);
        Patroni = null;
        return this;
    }

    /// <summary>
    /// Patroni with etcd fails the set over: each node runs Patroni, which owns its PostgreSQL (bootstrap, leader lock,
    /// failover, pg_rewind, slots); the AppHost only starts and observes them, so a published set fails over by itself.
    /// </summary>
    /// <param name="configure">Patroni's and etcd's own settings.</param>
    /// <returns>These settings.</returns>
    public PostgresReplicaSetSettings WithPatroni(Action<PatroniSettings>? configure = null)
    {
        var patroni = Configured(configure);
        patroni.Validate();
        Patroni = patroni;
        Supervisor = null;
        return this;
    }

    private static T Configured<T>(Action<T>? configure) where T : new()
    {
        var settings = new T();
        configure?.Invoke(settings);
        return settings;
    }
}
