using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>
/// How one runtime (process or container) runs a replica set's nodes. Only starting, stopping, fencing, rejoining
/// and killing differ per runtime; everything SQL-driven is shared and works on <see cref="PostgresNode"/>.
/// </summary>
internal interface IPostgresReplicaSetRuntime
{
    /// <summary>
    /// Adds every node to the model and to <paramref name="replicaSet"/>, the initial primary first, with whatever
    /// helpers bootstrap them. Returns each node's resource builder, in the same order.
    /// </summary>
    IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> AddNodes(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet);

    /// <summary>Where the other nodes reach <paramref name="node"/> to stream from it (their <c>primary_conninfo</c>).</summary>
    (string Host, int Port) StreamingAddressOf(PostgresNode node);

    /// <summary>Makes sure a stopped former primary can never come back as a second primary.</summary>
    Task FenceAsync(PostgresNode node, CancellationToken cancellationToken);

    /// <summary>Turns a stopped node into a replica of <paramref name="primary"/> before it is started again.</summary>
    Task RejoinAsync(PostgresNode node, PostgresNode primary, ILogger log, CancellationToken cancellationToken);

    /// <summary>SIGKILLs the node's postmaster, as a crash would. Returns what was killed, or null if nothing ran.</summary>
    Task<string?> KillAsync(PostgresNode node, ResourceNotificationService notifications, CancellationToken cancellationToken);
}
