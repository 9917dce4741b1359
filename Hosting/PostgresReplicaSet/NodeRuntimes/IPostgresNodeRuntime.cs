using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;
using Replication.Hosting.Faults;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// Where a replica set's nodes run: the machine's binaries as Aspire executables, or containers. The HA manager decides
/// what runs in each node; the runtime runs it, and knows how to reach, crash, freeze and fence what it runs. Chosen
/// once, by <see cref="NodeRuntimeChoice"/>.
/// </summary>
internal interface IPostgresNodeRuntime
{
    /// <summary>The runtime and why it was chosen, as the dashboard shows it: <c>Process (auto: docker did not answer, 90 ms)</c>.</summary>
    string Description { get; }

    /// <summary>The addresses, paths and access rules a program's configuration must name, as this runtime places it.</summary>
    NodePlacement Placement { get; }

    /// <summary>
    /// Adds nodes that run the PostgreSQL server itself and bootstrap the set by themselves: <c>{set}-0</c> initialised as
    /// the primary (roles, slots, databases), the others cloned from it as streaming replicas. The supervisor's nodes.
    /// </summary>
    IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> AddServerNodes(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet);

    /// <summary>Adds a member that runs one of the integration's programs: an HA agent that owns its server, or a consensus member.</summary>
    ProgramMember AddProgram(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet, NodeProgram program);

    /// <summary>Where the other nodes reach <paramref name="node"/> to stream from it (their <c>primary_conninfo</c>).</summary>
    (string Host, int Port) StreamingAddressOf(PostgresNode node);

    /// <summary>Makes sure a stopped former primary can never come back as a second primary.</summary>
    Task FenceAsync(PostgresNode node, CancellationToken cancellationToken);

    /// <summary>Turns a stopped server node's data into a replica's of <paramref name="primary"/> before it is started again.</summary>
    Task RejoinAsync(PostgresNode node, PostgresNode primary, ILogger log, CancellationToken cancellationToken);

    /// <summary>
    /// Crashes the whole member at once, as the loss of its machine would: the program, and any server it started.
    /// Returns what was killed, or null when nothing ran.
    /// </summary>
    Task<string?> KillAsync(IResource member, IServiceProvider services, CancellationToken cancellationToken);

    /// <summary>SIGKILLs the node's postmaster alone, as a crash of the server would. Returns what was killed, or null when no server ran.</summary>
    Task<string?> KillPostmasterAsync(PostgresNode node, IServiceProvider services, CancellationToken cancellationToken);

    /// <summary>
    /// Freezes the member as a paused machine: nothing of it runs, and nothing it was sent is read, until
    /// <see cref="FrozenMember.ResumeAsync"/>. A standby's <paramref name="walsenders"/> on <paramref name="primary"/> (the
    /// server processes streaming to it) are frozen first, so no WAL reaches it meanwhile. Returns once all of it is stopped.
    /// </summary>
    Task<FrozenMember> FreezeAsync(
        IResource member, PostgresNode? primary, IReadOnlyList<int> walsenders, IServiceProvider services, CancellationToken cancellationToken);
}
