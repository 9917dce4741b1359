namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Publishes what Patroni says of its cluster (<c>GET /cluster</c>) as dashboard properties: each node's role, state,
/// timeline, lag and sync state, and the leader. <see cref="ReplicaSetWatcher"/> calls it once a second; the node
/// properties have the same names as the supervisor's, so the dashboard and the kit read either alike.
/// </summary>
internal sealed class PatroniMonitor(ResourceNotificationService notifications)
{
    public async Task PublishAsync(PostgresReplicaSetResource replicaSet, CancellationToken cancellationToken)
    {
        var running = replicaSet.Nodes.Where(node => notifications.IsRunning(node.Resource)).ToList();
        var cluster = await PatroniRestApi.ClusterAsync(running, cancellationToken);
        var leader = cluster?.Leader?.Name;
        await notifications.PublishUpdateAsync(replicaSet, snapshot => snapshot with
        {
            Properties = snapshot.Properties.With(ReplicaSetProperties.Leader, leader),
        });

        foreach (var node in replicaSet.Nodes)
        {
            var member = cluster?.Members.FirstOrDefault(candidate => candidate.Name == node.Name);
            await notifications.PublishUpdateAsync(node.Resource, snapshot => snapshot with
            {
                Properties = snapshot.Properties
                    .With(ReplicaSetProperties.Role, RoleOf(member))
                    .With(ReplicaSetProperties.PatroniState, member?.State)
                    .With(ReplicaSetProperties.Timeline, member?.Timeline)
                    .With(ReplicaSetProperties.LagBytes, member?.LagBytes)
                    .With(ReplicaSetProperties.SyncState, member is null || member.Role == PatroniMember.Leader ? null
                        : member.Role == PatroniMember.SyncStandby ? "sync" : "async")
                    .With(ReplicaSetProperties.Leader, leader),
            });
        }
    }

    private static string RoleOf(PatroniMember? member) => member switch
    {
        null => NodeObservation.Unreachable,
        { Role: PatroniMember.Leader, State: "running" } => NodeObservation.Primary,
        { State: "running" or "streaming" } => NodeObservation.Replica,
        _ => NodeObservation.Unreachable,
    };
}
