namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Publishes each node's role, WAL position, lag and sync state as dashboard properties. The role is what the node
/// says of itself, so the dashboard follows failovers. <see cref="ReplicaSetWatcher"/> calls it once a second.
/// </summary>
internal sealed class ReplicaSetMonitor(ResourceNotificationService notifications)
{
    public async Task PublishAsync(IReadOnlyDictionary<PostgresNode, NodeObservation> observations)
    {
        var standbys = observations.Values.FirstOrDefault(observation => observation.AcceptsWrites)?.Standbys ?? [];
        foreach (var (node, observation) in observations)
        {
            var standby = standbys.FirstOrDefault(candidate => candidate.Name == node.Name);
            await notifications.PublishUpdateAsync(node.Resource, snapshot => snapshot with
            {
                Properties = snapshot.Properties
                    .With(ReplicaSetProperties.Role, observation.Role)
                    .With(ReplicaSetProperties.Lsn, observation.Lsn)
                    .With(ReplicaSetProperties.LagBytes, standby?.LagBytes)
                    .With(ReplicaSetProperties.LagSeconds, standby?.LagSeconds)
                    .With(ReplicaSetProperties.SyncState, standby?.SyncState),
            });
        }
    }
}
