using Npgsql;
using NpgsqlTypes;

using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>What one node says of itself: its role, its WAL position and, on a primary, its standbys.</summary>
/// <param name="Role"><c>primary</c>, <c>replica</c> or <c>unreachable</c>.</param>
/// <param name="Lsn">A primary's current WAL position, or a replica's last replayed one.</param>
/// <param name="Received">On a replica, the furthest WAL it has received or replayed: how much a promotion would keep.</param>
/// <param name="Standbys">On a primary, its streaming standbys, from <c>pg_stat_replication</c>.</param>
/// <param name="Timeline">The timeline it writes (a primary) or receives (a replica): which of two histories is newer.</param>
internal sealed record NodeObservation(
    string Role, string? Lsn, NpgsqlLogSequenceNumber? Received, IReadOnlyList<StandbyObservation> Standbys, int? Timeline = null)
{
    public const string Primary = "primary";
    public const string Replica = "replica";
    public const string Unreachable = "unreachable";

    public bool AcceptsWrites => Role == Primary;

    /// <summary>Asks <paramref name="node"/> over a fresh superuser connection; a node that does not answer is unreachable.</summary>
    public static async Task<NodeObservation> OfAsync(PostgresNode node, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await PostgresConnections.OpenAdminAsync(node, cancellationToken);
            await using var command = new NpgsqlCommand(
                """
                SELECT pg_is_in_recovery(),
                       CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text,
                       CASE WHEN pg_is_in_recovery() THEN greatest(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) END,
                       CASE WHEN pg_is_in_recovery()
                            THEN coalesce((SELECT received_tli FROM pg_stat_wal_receiver), (SELECT timeline_id FROM pg_control_checkpoint()))
                            ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END
                """, connection);
            bool inRecovery;
            string? lsn;
            NpgsqlLogSequenceNumber? received;
            int? timeline;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                inRecovery = reader.GetBoolean(0);
                lsn = reader.IsDBNull(1) ? null : reader.GetString(1);
                received = reader.IsDBNull(2) ? null : reader.GetFieldValue<NpgsqlLogSequenceNumber>(2);
                timeline = reader.IsDBNull(3) ? null : reader.GetInt32(3);
            }

            return inRecovery
                ? new NodeObservation(Replica, lsn, received, [], timeline)
                : new NodeObservation(Primary, lsn, null, await StandbyObservation.ReadAsync(connection, cancellationToken), timeline);
        }
        // InvalidOperationException: a container's endpoint is allocated a moment after it runs.
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return new NodeObservation(Unreachable, null, null, []);
        }
    }
}

/// <summary>One standby as its primary sees it.</summary>
/// <param name="Name">Its <c>application_name</c>: the node's name.</param>
/// <param name="State">Its WAL sender's state: <c>streaming</c>, <c>catchup</c>, ….</param>
/// <param name="LagBytes">How far its replay is behind the primary.</param>
/// <param name="LagSeconds"><c>replay_lag</c>, in seconds.</param>
/// <param name="SyncState"><c>sync</c>, <c>quorum</c>, <c>potential</c> or <c>async</c>.</param>
internal sealed record StandbyObservation(string Name, string State, long? LagBytes, double? LagSeconds, string SyncState)
{
    public static async Task<IReadOnlyList<StandbyObservation>> ReadAsync(NpgsqlConnection primary, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT application_name, state,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint,
                   extract(epoch FROM coalesce(replay_lag, interval '0'))::float8,
                   sync_state
            FROM pg_stat_replication
            ORDER BY application_name
            """, primary);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var standbys = new List<StandbyObservation>();
        while (await reader.ReadAsync(cancellationToken))
        {
            standbys.Add(new StandbyObservation(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetInt64(2),
                reader.IsDBNull(3) ? null : Math.Round(reader.GetDouble(3), 3),
                reader.GetString(4)));
        }

        return standbys;
    }
}
