namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Opens a replica set: the set and its databases turn Running, so the services that wait for them may start. The
/// supervisor opens its set once it has found the primary; under Patroni, once pg-0 leads (its post_bootstrap made the
/// roles and databases). Resources already running are left as they are.
/// </summary>
internal static class ReplicaSetOpening
{
    public static async Task OpenAsync(this ResourceNotificationService notifications, PostgresReplicaSetResource replicaSet)
    {
        IResource[] opened = [replicaSet, .. replicaSet.Databases];
        foreach (var resource in opened.Where(resource => !notifications.IsRunning(resource)))
        {
            await notifications.PublishUpdateAsync(resource, snapshot => snapshot with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
        }
    }
}
