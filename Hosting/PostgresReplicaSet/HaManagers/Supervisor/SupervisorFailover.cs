using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// The supervisor's moves on one set: promote a replica and rebuild the set around it (slots on the new primary, the
/// other replicas repointed, the former primary fenced so it can never come back as a second primary). The automatic
/// failover and the Switchover and Failover commands all run this, so there is one implementation. It also keeps which
/// node is the primary now: run-time state, which the resources themselves do not hold. When the set starts, that is
/// the node that says it is primary (<see cref="DiscoverAsync"/>), never assumed: after an AppHost restart with data
/// volumes, it is whichever node the last failover promoted.
/// </summary>
internal sealed class SupervisorFailover : IDisposable
{
    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private volatile PostgresNode? primary;

    /// <summary>The primary: found when the set started, then the node each promotion made primary; null until found.</summary>
    public PostgresNode? CurrentPrimary => primary;

    public void Dispose() => oneAtATime.Dispose();

    /// <summary>
    /// Finds the primary among what the nodes say of themselves, as the set starts, and opens the set (its databases turn
    /// Running, so the services may start). Two primaries at once mean a fence that never reached a volume: the one on
    /// the newest timeline (then the furthest WAL) stays, the others are stopped and fenced. False while no node is primary.
    /// </summary>
    public async Task<bool> DiscoverAsync(ReplicaSetContext context, IReadOnlyDictionary<PostgresNode, NodeObservation> observations, CancellationToken cancellationToken)
    {
        var claimants = observations.Where(observation => observation.Value.AcceptsWrites)
            .OrderByDescending(observation => observation.Value.Timeline ?? 0)
            .ThenByDescending(observation => NpgsqlLogSequenceNumber.Parse(observation.Value.Lsn ?? "0/0"))
            .Select(observation => observation.Key)
            .ToList();
        if (claimants.Count == 0)
        {
            return false;
        }

        await oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var found = claimants[0];
            foreach (var other in claimants.Skip(1))
            {
                context.Log.LogError("{Other} is a primary too, on an older history than {Primary}'s: fencing it", other.Name, found.Name);
                await FenceAsync(context, other, cancellationToken).ConfigureAwait(false);
            }

            context.Log.LogInformation("{Primary} is the primary (as the nodes report it)", found.Name);
            await RecordPrimaryAsync(context, found).ConfigureAwait(false);
            return true;
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    /// <summary>
    /// Fences every node other than <paramref name="primary"/> that accepts writes while the primary does too (in
    /// <paramref name="observations"/>, what every running node said this tick): one promoted behind the supervisor's back
    /// (<c>pg_promote</c>, a trigger file, a hand), which clients may write to though no standby follows it, and which a
    /// later failover could take for the newest primary. Nothing is fenced once a promotion has moved the primary, nor
    /// while the primary does not answer: a promotion whose answer was lost is finished by the next failover instead.
    /// </summary>
    public async Task FenceOtherWritersAsync(
        ReplicaSetContext context, PostgresNode primary, IReadOnlyDictionary<PostgresNode, NodeObservation> observations, CancellationToken cancellationToken)
    {
        if (observations.GetValueOrDefault(primary) is not { AcceptsWrites: true })
        {
            return;
        }

        var others = observations.Where(observation => observation.Key != primary && observation.Value.AcceptsWrites).Select(observation => observation.Key).ToList();
        if (others.Count == 0)
        {
            return;
        }

        await oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (this.primary != primary)
            {
                return;
            }

            foreach (var other in others)
            {
                context.Log.LogError("{Other} accepts writes beside the primary {Primary}: it was promoted behind the supervisor's back. Fencing it", other.Name, primary.Name);
                // Killed first: a stop lets its open sessions go on writing while it waits for them (seconds, seen here).
                await context.ReplicaSet.NodeRuntime.KillPostmasterAsync(other, context.Services, cancellationToken).ConfigureAwait(false);
                await FenceAsync(context, other, cancellationToken).ConfigureAwait(false);
            }
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
    public Task PromoteAsync(ReplicaSetContext context, PostgresNode candidate, string reason, CancellationToken cancellationToken) =>
        PromoteAsync(context, candidate, reason, _ => true, chooseAfterFence: null, cancellationToken);

    /// <summary>
    /// Promotes <paramref name="candidate"/> only if <paramref name="replaced"/> is still the primary (null: still none)
    /// once no other promotion runs. The supervisor judged that primary lost; a promotion that ran meanwhile (a
    /// switchover from the dashboard, a test's) has already replaced it, and must not be undone by this one. Once the
    /// replaced primary is fenced, <paramref name="chooseAfterFence"/> picks the candidate again: a primary that stops
    /// gracefully sends its last WAL to whichever standbys are still connected, so the furthest is known only then
    /// (null when no primary is replaced, so nothing is fenced).
    /// </summary>
    public Task<bool> ReplaceAsync(
        ReplicaSetContext context, PostgresNode? replaced, PostgresNode candidate, string reason,
        Func<CancellationToken, Task<PostgresNode?>>? chooseAfterFence, CancellationToken cancellationToken) =>
        PromoteAsync(context, candidate, reason, current => current == replaced, chooseAfterFence, cancellationToken);

    /// <summary>Points a running replica at <paramref name="newPrimary"/> (primary_conninfo and its slot), without a restart.</summary>
    public static async Task FollowAsync(PostgresNode follower, PostgresNode newPrimary, CancellationToken cancellationToken)
    {
        await using var connection = await PostgresConnections.OpenAdminAsync(follower, cancellationToken).ConfigureAwait(false);
        var conninfo = PostgresServerSettings.PrimaryConnectionInfo(follower, newPrimary);
        // ALTER SYSTEM takes no parameters and cannot run in a DO block (a transaction): the server quotes the values
        // itself (format's %L), and the statements it returns are run as they are.
        await using var quote = new NpgsqlCommand(
            "SELECT format('ALTER SYSTEM SET primary_conninfo = %L; ALTER SYSTEM SET primary_slot_name = %L', @conninfo::text, @slot::text)",
            connection);
        quote.Parameters.AddWithValue("conninfo", conninfo);
        quote.Parameters.AddWithValue("slot", follower.SlotName);
        var statements = await PostgresConnections.QueryScalarAsync<string>(quote, cancellationToken).ConfigureAwait(false);
        await using var alter = new NpgsqlCommand(statements + "; SELECT pg_reload_conf()", connection);
        await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops a node with Aspire's Stop command and makes sure no server process is left on its data: fencing and
    /// rejoining must never work under a running postmaster.
    /// </summary>
    public static async Task StopNodeAsync(ReplicaSetContext context, PostgresNode node, CancellationToken cancellationToken)
    {
        if (context.IsRunning(node.Resource))
        {
            var stopped = await context.Commands.ExecuteCommandAsync(node.Name, KnownResourceCommands.StopCommand, cancellationToken).ConfigureAwait(false);
            if (!stopped.Success && context.IsRunning(node.Resource))
            {
                throw new InvalidOperationException($"Could not stop {node.Name}: {stopped.Message}");
            }
        }

        // A server the resource no longer tracks (hung, half-dead) must not wake up later on this data.
        await context.ReplicaSet.NodeRuntime.KillPostmasterAsync(node, context.Services, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> PromoteAsync(
        ReplicaSetContext context, PostgresNode candidate, string reason, Func<PostgresNode?, bool> stillWanted,
        Func<CancellationToken, Task<PostgresNode?>>? chooseAfterFence, CancellationToken cancellationToken)
    {
        await oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var log = context.Log;
            var former = primary;
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
                await FenceAsync(context, former, cancellationToken).ConfigureAwait(false);
                // Seen in CI: a frozen primary thawed while it was being stopped and streamed its last WAL to one standby
                // but not to the candidate, whose promotion that standby could then never follow.
                if (chooseAfterFence is not null && await chooseAfterFence(cancellationToken).ConfigureAwait(false) is { } furthest && furthest != candidate)
                {
                    log.LogWarning("Promoting {Furthest} instead of {Candidate}: it received more of {Former}'s WAL before that stopped",
                        furthest.Name, candidate.Name, former.Name);
                    candidate = furthest;
                }
            }

            await using (var connection = await PostgresConnections.OpenAdminAsync(candidate, cancellationToken).ConfigureAwait(false))
            {
                // Idempotent: a candidate out of recovery was promoted by an earlier attempt whose answer was lost. The
                // promotion waits as long as the server takes to finish recovery (its replay, a checkpoint), not the
                // connection's usual command timeout: a timeout here would leave a promotion running unrecorded.
                if (await PostgresConnections.QueryScalarAsync<bool>(connection, "SELECT pg_is_in_recovery()", cancellationToken).ConfigureAwait(false))
                {
                    await using var promote = new NpgsqlCommand("SELECT pg_promote(wait => true, wait_seconds => 60)", connection) { CommandTimeout = 70 };
                    if (!await PostgresConnections.QueryScalarAsync<bool>(promote, cancellationToken).ConfigureAwait(false))
                    {
                        throw new InvalidOperationException($"{candidate.Name} did not finish promotion within 60 s.");
                    }
                }

                await ReplicationSlots.EnsureAsync(connection, context.ReplicaSet.Nodes.Where(node => node != candidate), cancellationToken).ConfigureAwait(false);
            }

            await RecordPrimaryAsync(context, candidate).ConfigureAwait(false);
            log.LogWarning("{Candidate} is the primary now", candidate.Name);

            foreach (var follower in context.ReplicaSet.Nodes.Where(node => node != candidate && node != former && context.IsRunning(node.Resource)))
            {
                await FollowAsync(follower, candidate, cancellationToken).ConfigureAwait(false);
                log.LogInformation("{Follower} now follows {Candidate}", follower.Name, candidate.Name);
            }

            return true;
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    /// <summary>Keeps and shows the primary, and opens the set (and its databases) if it was not yet.</summary>
    private async Task RecordPrimaryAsync(ReplicaSetContext context, PostgresNode newPrimary)
    {
        primary = newPrimary;
        await context.Notifications.PublishUpdateAsync(context.ReplicaSet, snapshot => snapshot with
        {
            Properties = snapshot.Properties.WithProperty(ReplicaSetProperties.Primary, newPrimary.Name),
        }).ConfigureAwait(false);
        await context.Notifications.OpenAsync(context.ReplicaSet).ConfigureAwait(false);
    }

    private static async Task FenceAsync(ReplicaSetContext context, PostgresNode former, CancellationToken cancellationToken)
    {
        context.Log.LogInformation("Stopping {Former} so it cannot accept writes", former.Name);
        await StopNodeAsync(context, former, cancellationToken).ConfigureAwait(false);
        await context.ReplicaSet.NodeRuntime.FenceAsync(former, cancellationToken).ConfigureAwait(false);
        await context.Notifications.PublishUpdateAsync(former.Resource, snapshot => snapshot with
        {
            Properties = snapshot.Properties.WithProperty(ReplicaSetProperties.Fenced, "true"),
        }).ConfigureAwait(false);
        context.Log.LogWarning("{Former} is fenced: if started, it comes back as a standby; use Rejoin to make it follow the new primary", former.Name);
    }
}
