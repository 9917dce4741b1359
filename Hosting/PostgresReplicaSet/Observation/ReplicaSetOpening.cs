using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// Opens a replica set: its databases turn Running, so the services that wait for them may start, and the set's watch
/// starts supervising. The supervisor opens its set once it has found the primary; under Patroni, once pg-0 leads (its
/// post_bootstrap made the roles and databases). Databases already running are left as they are.
/// </summary>
internal static class ReplicaSetOpening
{
    public static async Task OpenAsync(this ResourceNotificationService notifications, PostgresReplicaSetResource replicaSet)
    {
        replicaSet.IsOpen = true;
        foreach (var database in replicaSet.Databases.Where(database => !notifications.IsRunning(database)))
        {
            await notifications.PublishUpdateAsync(database, snapshot => snapshot with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            }).ConfigureAwait(false);
        }
    }
}
