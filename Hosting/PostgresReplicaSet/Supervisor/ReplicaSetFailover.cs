using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Promotes a replica and rebuilds the set around it: slots on the new primary, the other replicas repointed,
/// the former primary fenced so it can never come back as a second primary. The supervisor (automatic failover)
/// and the dashboard's Promote command both run this, so there is one implementation. It also keeps which node is
/// the primary now: run-time state, which the resources themselves do not hold. When the set starts, that is the node
/// that says it is primary (<see cref="DiscoverAsync"/>), never assumed: after an AppHost restart with data volumes, it
/// is whichever node the last failover promoted.
/// </summary>
internal sealed class ReplicaSetFailover(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService resourceLoggers) : IDisposable
{
    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private readonly ConcurrentDictionary<PostgresReplicaSetResource, PostgresNode> primaries = new();

    public void Dispose() => oneAtATime.Dispose();

    /// <summary>The primary: found when the set started, then the node each promotion made primary; null until found.</summary>
    public PostgresNode? CurrentPrimaryOf(PostgresReplicaSetResource replicaSet) => primaries.GetValueOrDefault(replicaSet);

    /// <summary>
    /// Finds the primary among what the nodes say of themselves, as the set starts, and opens the set (its state turns
    /// Running, so the services may start). Two primaries at once mean a fence that never reached a volume: the one on
    /// the newest timeline (then the furthest WAL) stays, the others are stopped and fenced. False while no node is primary.
    /// </summary>
    public async Task<bool> DiscoverAsync(
        PostgresReplicaSetResource replicaSet, IReadOnlyDictionary<PostgresNode, NodeObservation> observations, CancellationToken cancellationToken)
    {
        var claimants = observations.Where(observation => observation.Value.AcceptsWrites)
            .OrderByDescending(observation => observation.Value.Timeline ?? 0)
            .ThenByDescending(observation => NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(observation.Value.Lsn ?? "0/0"))
            .Select(observation => observation.Key)
            .ToList();
        if (claimants.Count == 0)
        {
            return false;
        }

        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var log = resourceLoggers.GetLogger(replicaSet);
            var primary = claimants[0];
            foreach (var other in claimants.Skip(1))
            {
                log.LogError("{Other} is a primary too, on an older history than {Primary}'s: fencing it", other.Name, primary.Name);
                await FenceAsync(replicaSet, other, log, cancellationToken);
            }

            log.LogInformation("{Primary} is the primary (as the nodes report it)", primary.Name);
            await RecordPrimaryAsync(replicaSet, primary);
            return true;
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    /// <summary>
    /// Makes <paramref name="candidate"/> the primary. A primary that is still running is stopped first (a switchover,
    /// which loses nothing); a dead one is fenced (a failover).
    /// </summary>
    public Task PromoteAsync(PostgresReplicaSetResource replicaSet, PostgresNode candidate, string reason, CancellationToken cancellationToken) =>
        PromoteAsync(replicaSet, candidate, reason, _ => true, cancellationToken);

    /// <summary>
    /// Promotes <paramref name="candidate"/> only if <paramref name="replaced"/> is still the primary (null: still none)
    /// once no other promotion runs. The supervisor judged that primary lost; a promotion that ran meanwhile (a
    /// switchover from the dashboard, a test's Promote) has already replaced it, and must not be undone by this one.
    /// </summary>
    public async Task<bool> ReplaceAsync(
        PostgresReplicaSetResource replicaSet, PostgresNode? replaced, PostgresNode candidate, string reason, CancellationToken cancellationToken) =>
        await PromoteAsync(replicaSet, candidate, reason, current => current == replaced, cancellationToken);

    private async Task<bool> PromoteAsync(
        PostgresReplicaSetResource replicaSet, PostgresNode candidate, string reason, Func<PostgresNode?, bool> stillWanted, CancellationToken cancellationToken)
    {
        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var log = resourceLoggers.GetLogger(replicaSet);
            var former = CurrentPrimaryOf(replicaSet);
            if (!stillWanted(former))
            {
                log.LogInformation("Not promoting {Candidate} ({Reason}): {Primary} became the primary meanwhile", candidate.Name, reason, former?.Name);
                return false;
            }

            if (former == candidate)
            {
                throw new InvalidOperationException($"{candidate.Name} is already the primary.");
            }

            log.LogWarning("Promoting {Candidate} to primary: {Reason}", candidate.Name, reason);
            // Fenced before the promotion, so that at no moment do two nodes hold unfenced primary data.
            if (former is not null)
            {
                await FenceAsync(replicaSet, former, log, cancellationToken);
            }

            await using (var connection = await PostgresConnections.OpenAdminAsync(candidate, cancellationToken))
            {
                if (!await PostgresConnections.QueryScalarAsync<bool>(connection, "SELECT pg_promote(wait => true, wait_seconds => 60)", cancellationToken))
                {
                    throw new InvalidOperationException($"{candidate.Name} did not finish promotion within 60 s.");
                }

                await ReplicationSlots.EnsureAsync(connection, replicaSet.Nodes.Where(node => node != candidate), cancellationToken);
            }

            await RecordPrimaryAsync(replicaSet, candidate);
            log.LogWarning("{Candidate} is the primary now", candidate.Name);

            foreach (var follower in replicaSet.Nodes.Where(node => node != candidate && node != former && notifications.IsRunning(node.Resource)))
            {
                await FollowAsync(follower, candidate, replicaSet, cancellationToken);
                log.LogInformation("{Follower} now follows {Candidate}", follower.Name, candidate.Name);
            }

            return true;
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    /// <summary>Points a running replica at <paramref name="primary"/> (primary_conninfo and its slot), without a restart.</summary>
    public static async Task FollowAsync(PostgresNode follower, PostgresNode primary, PostgresReplicaSetResource replicaSet, CancellationToken cancellationToken)
    {
        await using var connection = await PostgresConnections.OpenAdminAsync(follower, cancellationToken);
        var conninfo = await ConnectionInfoAsync(follower, primary, replicaSet, cancellationToken);
        // ALTER SYSTEM takes no parameters and cannot run in a DO block (a transaction): the server quotes the values
        // itself (format's %L), and the statements it returns are run as they are.
        await using var quote = new NpgsqlCommand(
            "SELECT format('ALTER SYSTEM SET primary_conninfo = %L; ALTER SYSTEM SET primary_slot_name = %L', @conninfo::text, @slot::text)",
            connection);
        quote.Parameters.AddWithValue("conninfo", conninfo);
        quote.Parameters.AddWithValue("slot", follower.SlotName);
        await using var alter = new NpgsqlCommand(await PostgresConnections.QueryScalarAsync<string>(quote, cancellationToken) + "; SELECT pg_reload_conf()", connection);
        await alter.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The libpq connection string a replica streams with.</summary>
    public static async Task<string> ConnectionInfoAsync(PostgresNode follower, PostgresNode primary, PostgresReplicaSetResource replicaSet, CancellationToken cancellationToken)
    {
        var password = await replicaSet.ReplicationPassword.GetValueAsync(cancellationToken);
        var (host, port) = replicaSet.Runtime.StreamingAddressOf(primary);
        return string.Create(CultureInfo.InvariantCulture,
            $"host={host} port={port} user={PostgresReplicaSetResource.ReplicationUserName} password={password} application_name={follower.Name}");
    }

    /// <summary>Keeps and shows the primary, and opens the set (and its databases) if it was not yet.</summary>
    private async Task RecordPrimaryAsync(PostgresReplicaSetResource replicaSet, PostgresNode primary)
    {
        primaries[replicaSet] = primary;
        await notifications.PublishUpdateAsync(replicaSet, snapshot => snapshot with
        {
            Properties = snapshot.Properties.With(ReplicaSetProperties.Primary, primary.Name),
        });
        await notifications.OpenAsync(replicaSet);
    }

    private async Task FenceAsync(PostgresReplicaSetResource replicaSet, PostgresNode former, ILogger log, CancellationToken cancellationToken)
    {
        log.LogInformation("Stopping {Former} so it cannot accept writes", former.Name);
        await StopNodeAsync(former, cancellationToken);
        await replicaSet.Runtime.FenceAsync(former, cancellationToken);
        await notifications.PublishUpdateAsync(former.Resource, snapshot => snapshot with
        {
            Properties = snapshot.Properties.With(ReplicaSetProperties.Fenced, "true"),
        });
        log.LogWarning("{Former} is fenced: if started, it comes back as a standby; use Rejoin to make it follow the new primary", former.Name);
    }

    /// <summary>
    /// Stops a node with Aspire's Stop command and makes sure no server process is left on its data: fencing and
    /// rejoining must never work under a running postmaster.
    /// </summary>
    public async Task StopNodeAsync(PostgresNode node, CancellationToken cancellationToken)
    {
        if (notifications.IsRunning(node.Resource))
        {
            var stopped = await commands.ExecuteCommandAsync(node.Name, KnownResourceCommands.StopCommand, cancellationToken);
            if (!stopped.Success && notifications.IsRunning(node.Resource))
            {
                throw new InvalidOperationException($"Could not stop {node.Name}: {stopped.Message}");
            }
        }

        // A server the resource no longer tracks (hung, half-dead) must not wake up later on this data.
        await node.Parent.Runtime.KillAsync(node, notifications, cancellationToken);
    }
}
