using Aspire.Hosting.ApplicationModel;
using Npgsql;
using Replication.Hosting.Faults;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// The faults of a replica set's members, through the set's runtime: a node is everything it runs (its HA agent and the
/// server that agent started), and a standby is frozen with the walsenders that stream to it on the primary, so that
/// no WAL reaches it while it is frozen, as none would reach a paused machine.
/// </summary>
internal sealed class ReplicaSetMemberFaults(PostgresReplicaSetResource replicaSet) : IResourceFaults
{
    public Task<string?> KillAsync(IResource resource, IServiceProvider services, CancellationToken cancellationToken) =>
        replicaSet.NodeRuntime.KillAsync(resource, services, cancellationToken);

    public async Task<FrozenMember> FreezeAsync(IResource resource, IServiceProvider services, CancellationToken cancellationToken)
    {
        var primary = replicaSet.HaManager.CurrentPrimary;
        var isStandby = primary is not null && primary.Resource != resource && replicaSet.Nodes.Any(node => node.Resource == resource);
        var walsenders = isStandby ? await WalsendersToAsync(primary!, resource.Name, cancellationToken).ConfigureAwait(false) : [];
        return await replicaSet.NodeRuntime.FreezeAsync(resource, isStandby ? primary : null, walsenders, services, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The server processes on <paramref name="primary"/> that stream to <paramref name="standby"/>, as the primary numbers them.</summary>
    private static async Task<IReadOnlyList<int>> WalsendersToAsync(PostgresNode primary, string standby, CancellationToken cancellationToken)
    {
        await using var connection = await PostgresConnections.OpenAdminAsync(primary, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_replication WHERE application_name = @standby", connection);
        command.Parameters.AddWithValue("standby", standby);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var walsenders = new List<int>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            walsenders.Add(reader.GetInt32(0));
        }

        return walsenders;
    }
}
