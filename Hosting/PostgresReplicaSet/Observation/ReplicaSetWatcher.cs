using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// The replica sets' one polling loop: every tick (250 ms) each set's HA manager watches its set, and once a second it
/// also refreshes the dashboard. What it watches and does is the manager's: the supervisor supervises, Patroni is observed.
/// </summary>
internal sealed class ReplicaSetWatcher(DistributedApplicationModel model, IServiceProvider services, ILogger<ReplicaSetWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private const int TicksPerPublish = 4;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sets = model.Resources.OfType<PostgresReplicaSetResource>().Select(replicaSet => new ReplicaSetContext(replicaSet, services)).ToList();
        using var timer = new PeriodicTimer(Tick);
        for (var tick = 0; await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false); tick++)
        {
            foreach (var context in sets)
            {
                try
                {
                    await context.ReplicaSet.HaManager.WatchAsync(context, publish: tick % TicksPerPublish == 0, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    // The one loop that supervises the set must outlive one bad tick.
                    logger.LogError(exception, "Watching {ReplicaSet} failed; trying again on the next tick", context.ReplicaSet.Name);
                }
            }
        }
    }
}
