using Npgsql;

using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>The physical replication slots a primary keeps, one per node that may stream from it.</summary>
internal static class ReplicationSlots
{
    /// <summary>
    /// Creates the slot of every node in <paramref name="followers"/> that has none yet, reserving WAL from its creation
    /// (<c>immediately_reserve</c>): a slot that reserves only when its replica first connects lets a checkpoint recycle
    /// the segments that replica still needs, e.g. while a base backup runs or while a failover repoints it.
    /// </summary>
    public static async Task EnsureAsync(NpgsqlConnection primary, IEnumerable<PostgresNode> followers, CancellationToken cancellationToken)
    {
        foreach (var follower in followers)
        {
            await using var command = new NpgsqlCommand(
                "SELECT pg_create_physical_replication_slot(@slot, immediately_reserve => true) WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = @slot)",
                primary);
            command.Parameters.AddWithValue("slot", follower.SlotName);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
