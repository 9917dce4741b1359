using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>A replica set with the AppHost's services its HA manager acts through: its watch, its commands.</summary>
internal sealed class ReplicaSetContext(PostgresReplicaSetResource replicaSet, IServiceProvider services)
{
    public PostgresReplicaSetResource ReplicaSet { get; } = replicaSet;

    public IServiceProvider Services { get; } = services;

    public ResourceNotificationService Notifications => Services.GetRequiredService<ResourceNotificationService>();

    public ResourceCommandService Commands => Services.GetRequiredService<ResourceCommandService>();

    /// <summary>The set's own log in the dashboard.</summary>
    public ILogger Log => LogOf(ReplicaSet);

    public ILogger LogOf(IResource resource) => Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);

    public bool IsRunning(IResource resource) => Notifications.IsRunning(resource);

    /// <summary>What each running node of <paramref name="nodes"/> says of itself, asked all at once (a frozen node costs one timeout, not one per node).</summary>
    public async Task<IReadOnlyDictionary<PostgresNode, NodeObservation>> ObserveAsync(IEnumerable<PostgresNode> nodes, CancellationToken cancellationToken)
    {
        var running = nodes.Where(node => IsRunning(node.Resource)).ToList();
        var observations = await Task.WhenAll(running.Select(node => NodeObservation.OfAsync(node, cancellationToken))).ConfigureAwait(false);
        return running.Zip(observations).ToDictionary(pair => pair.First, pair => pair.Second);
    }
}
