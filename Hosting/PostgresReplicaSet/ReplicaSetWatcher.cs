using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The replica sets' one polling loop. Every tick it asks the current primary whether it still accepts writes, for the
/// supervisor; once a second it asks every running node, for the dashboard, and the supervisor reuses that answer.
/// Until a primary is known (the set is starting) it asks every node every tick, to find it.
/// Under Patroni it only asks Patroni's REST API, once a second, for the dashboard.
/// </summary>
internal sealed class ReplicaSetWatcher(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ReplicaSetFailover failover,
    ReplicaSetSupervisor supervisor,
    ReplicaSetMonitor monitor,
    PatroniMonitor patroniMonitor,
    ILogger<ReplicaSetWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private const int TicksPerPublish = 4;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick);
        for (var tick = 0; await timer.WaitForNextTickAsync(stoppingToken); tick++)
        {
            foreach (var replicaSet in model.Resources.OfType<PostgresReplicaSetResource>())
            {
                try
                {
                    await WatchAsync(replicaSet, publish: tick % TicksPerPublish == 0, stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    // The one loop that supervises the set must outlive one bad tick.
                    logger.LogError(exception, "Watching {ReplicaSet} failed; trying again on the next tick", replicaSet.Name);
                }
            }
        }
    }

    private async Task WatchAsync(PostgresReplicaSetResource replicaSet, bool publish, CancellationToken cancellationToken)
    {
        // Patroni fails over by itself: the AppHost only shows what it says, and the supervisor does nothing.
        if (replicaSet.Options.HaManager == PostgresHaManager.Patroni)
        {
            if (publish)
            {
                await patroniMonitor.PublishAsync(replicaSet, cancellationToken);
            }

            return;
        }

        var primary = failover.CurrentPrimaryOf(replicaSet);
        var observations = new Dictionary<PostgresNode, NodeObservation>();
        foreach (var node in publish || primary is null ? replicaSet.Nodes : [primary])
        {
            if (notifications.IsRunning(node.Resource))
            {
                observations[node] = await NodeObservation.OfAsync(node, cancellationToken);
            }
        }

        if (publish)
        {
            await monitor.PublishAsync(observations);
        }

        var supervised = replicaSet.Options.FailoverAfter > TimeSpan.Zero;
        if (primary is null)
        {
            if (!await failover.DiscoverAsync(replicaSet, observations, cancellationToken) && supervised)
            {
                await supervisor.ElectAsync(replicaSet, observations, cancellationToken);
            }
        }
        else if (supervised && notifications.IsRunning(replicaSet))
        {
            await supervisor.SuperviseAsync(replicaSet, primary, observations.GetValueOrDefault(primary)?.AcceptsWrites == true, cancellationToken);
        }
    }
}
