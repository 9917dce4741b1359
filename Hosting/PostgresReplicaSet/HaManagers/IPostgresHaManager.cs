using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// What fails a replica set over: the dev supervisor inside the AppHost, or Patroni with etcd. It decides what runs in
/// each node (through the set's <see cref="IPostgresNodeRuntime"/>), adds members of its own, says when a node is
/// healthy, carries out the nodes' HA commands, and watches the set: which node is primary, what the dashboard shows.
/// Chosen once, in <see cref="PostgresReplicaSetBuilderExtensions.AddPostgresReplicaSet"/>.
/// </summary>
internal interface IPostgresHaManager : IDisposable
{
    /// <summary><c>Supervisor</c> or <c>Patroni</c>, with what the dashboard should know of it.</summary>
    string Description { get; }

    /// <summary>How long a primary that stopped answering keeps its role before another node may be promoted.</summary>
    TimeSpan FailoverDelay { get; }

    /// <summary>Adds every node to the model and to the set, the initial primary first, plus the manager's own members.</summary>
    IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> AddNodes(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet, IPostgresNodeRuntime runtime);

    /// <summary>The node's health check: healthy when it serves its role.</summary>
    IHealthCheck HealthCheckOf(PostgresNode node);

    /// <summary>The primary as the manager knows it now; null while there is none (starting, or failing over).</summary>
    PostgresNode? CurrentPrimary { get; }

    /// <summary>One tick of the set's watch (every 250 ms); <paramref name="publish"/> once a second, to refresh the dashboard.</summary>
    Task WatchAsync(ReplicaSetContext context, bool publish, CancellationToken cancellationToken);

    /// <summary>Hands the primary role from <paramref name="primary"/> to a standby, losing nothing.</summary>
    Task<ExecuteCommandResult> SwitchoverAsync(PostgresNode primary, ExecuteCommandContext context);

    /// <summary>Makes <paramref name="candidate"/> the primary now, with or without a running primary.</summary>
    Task<ExecuteCommandResult> FailoverAsync(PostgresNode candidate, ExecuteCommandContext context);

    /// <summary>Makes a stopped, fenced or broken node a streaming replica of the primary again.</summary>
    Task<ExecuteCommandResult> RejoinAsync(PostgresNode node, ExecuteCommandContext context);

    /// <summary>How the Rejoin command reads under this manager, and what it does.</summary>
    (string DisplayName, string Description) RejoinCommand { get; }

    /// <summary>Whether Rejoin has something to do on the node (it is not a healthy, streaming replica).</summary>
    bool CanRejoin(PostgresNode node, CustomResourceSnapshot snapshot);
}
