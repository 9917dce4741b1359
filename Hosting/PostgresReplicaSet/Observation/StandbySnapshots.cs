using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// Once a standby starts streaming from the primary, has the primary log a fresh snapshot of its running transactions
/// (a <c>CHECKPOINT</c>, which logs one).
/// </summary>
/// <remarks>
/// A standby cloned while a commit waited for synchronous replication starts from a base backup whose snapshot still
/// lists that transaction as running, though its commit record lies before the backup began: a committed transaction
/// stays in the primary's list of running ones until a standby confirms it. The standby then hides the transaction's
/// writes, even past its commit's LSN, until the primary logs a newer snapshot, which PostgreSQL does on its own only
/// every 15 s and only after other writes. A freshly booted set shows it at once: its replicas clone while the services'
/// first migration waits for one of them, and then say the migrated tables do not exist.
/// <para>
/// The snapshot must come after the new standby released those commits: one logged while a commit still waits lists it
/// as running again, and the standby hides it until a snapshot whose oldest running transaction is newer. So the
/// checkpoint waits (bounded) until none of the commits that waited when the standby joined still waits.
/// </para>
/// </remarks>
internal sealed class StandbySnapshots
{
    /// <summary>A checkpoint of the dev graph's small databases; a primary that takes longer is in trouble the HA manager handles.</summary>
    private static readonly TimeSpan CheckpointTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the checkpoint waits for the commits the new standby should release. A quorum that needs more standbys
    /// than are streaming keeps them waiting; the checkpoint then goes ahead without them.
    /// </summary>
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan ReleasePollInterval = TimeSpan.FromMilliseconds(50);

    private HashSet<string> streaming = [];
    private string? primaryName;
    private Task checkpointing = Task.CompletedTask;

    /// <summary>
    /// Starts a checkpoint on <paramref name="primary"/> when a standby streams from it that did not at the last call.
    /// It runs beside the watch, never in its way: a frozen primary must not hold up its own failover.
    /// </summary>
    public void Refresh(
        ReplicaSetContext context, PostgresNode? primary, IReadOnlyDictionary<PostgresNode, NodeObservation> observations, CancellationToken cancellationToken)
    {
        if (primary is null || observations.GetValueOrDefault(primary) is not { AcceptsWrites: true } observation || !checkpointing.IsCompleted)
        {
            return;
        }

        if (primaryName != primary.Name)
        {
            primaryName = primary.Name;
            streaming = [];
        }

        // The set's nodes only: a base backup's WAL stream is listed too while it runs (application_name pg_basebackup).
        var now = observation.Standbys
            .Where(standby => standby.State == "streaming" && context.ReplicaSet.Nodes.Any(node => node.Name == standby.Name))
            .Select(standby => standby.Name)
            .ToHashSet();
        var joined = now.Except(streaming).ToList();
        streaming = now;
        if (joined.Count > 0)
        {
            checkpointing = CheckpointAsync(context, primary, joined, cancellationToken);
        }
    }

    private static async Task CheckpointAsync(
        ReplicaSetContext context, PostgresNode primary, IReadOnlyList<string> joined, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await PostgresConnections.OpenAdminAsync(primary, cancellationToken).ConfigureAwait(false);
            var waiting = await CommitsWaitingForStandbysAsync(connection, xids: null, cancellationToken).ConfigureAwait(false);
            var stillWaiting = await WaitForReleaseAsync(connection, waiting, cancellationToken).ConfigureAwait(false);
            await using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection) { CommandTimeout = (int)CheckpointTimeout.TotalSeconds };
            await checkpoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (waiting.Count == 0)
            {
                context.Log.LogInformation("{Standbys} streaming from {Primary}: it logged a fresh snapshot of its running transactions for them (CHECKPOINT)",
                    string.Join(", ", joined), primary.Name);
            }
            else
            {
                context.Log.LogInformation(
                    "{Standbys} streaming from {Primary}: it logged a fresh snapshot of its running transactions for them (CHECKPOINT), " +
                    "once {Released} of the {Waiting} commits that waited for a standby were released",
                    string.Join(", ", joined), primary.Name, waiting.Count - stillWaiting.Count, waiting.Count);
            }
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // Not tried again: a primary that cannot checkpoint is failed over, and its successor checkpoints for its standbys.
            context.Log.LogWarning("A checkpoint on {Primary} for its new standbys {Standbys} failed: {Error}",
                primary.Name, string.Join(", ", joined), exception.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Returns those of <paramref name="waiting"/> still waiting when they were all released or the time ran out.</summary>
    private static async Task<IReadOnlyList<string>> WaitForReleaseAsync(
        NpgsqlConnection connection, IReadOnlyList<string> waiting, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + ReleaseTimeout;
        while (waiting.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(ReleasePollInterval, cancellationToken).ConfigureAwait(false);
            waiting = await CommitsWaitingForStandbysAsync(connection, waiting, cancellationToken).ConfigureAwait(false);
        }

        return waiting;
    }

    /// <summary>The transaction ids of the commits waiting for synchronous replication, among <paramref name="xids"/> when given.</summary>
    private static async Task<IReadOnlyList<string>> CommitsWaitingForStandbysAsync(
        NpgsqlConnection connection, IReadOnlyList<string>? xids, CancellationToken cancellationToken)
    {
        await using var query = new NpgsqlCommand(
            "SELECT backend_xid::text FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND backend_xid IS NOT NULL " +
            "AND (@xids::text[] IS NULL OR backend_xid::text = ANY(@xids))", connection);
        query.Parameters.Add(new NpgsqlParameter<string[]?>("xids", xids?.ToArray()) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        var found = new List<string>();
        await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(reader.GetString(0));
        }

        return found;
    }
}
