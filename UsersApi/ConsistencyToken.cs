using System.Globalization;
using NpgsqlTypes;

namespace Replication.UsersApi;

/// <summary>
/// The <c>X-Consistency-Token</c> a write returns: the primary's timeline and WAL position right after the commit,
/// written <c>timeline:position</c> (e.g. <c>2:0/3000148</c>). A read that sends it back sees that write (read-your-writes).
/// </summary>
/// <remarks>
/// A position alone is not enough: positions on different timelines do not compare. A former primary that comes back as
/// a standby before it is rewound (Patroni starts one so for a moment, when the new leader has not yet published its
/// role) replays its own old timeline, past positions the new primary has not reached yet, without the writes
/// acknowledged since the failover.
/// </remarks>
public readonly record struct ConsistencyToken(int Timeline, NpgsqlLogSequenceNumber Position)
{
    public const int MaxLength = 28; // "2147483647:FFFFFFFF/FFFFFFFF"

    public static bool TryParse(string? value, out ConsistencyToken token)
    {
        token = default;
        var colon = value?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (value is not { Length: <= MaxLength } || colon < 1
            || !int.TryParse(value.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var timeline) || timeline < 1
            || !NpgsqlLogSequenceNumber.TryParse(value.AsSpan(colon + 1), out var position))
        {
            return false;
        }

        token = new ConsistencyToken(timeline, position);
        return true;
    }

    /// <summary>The timeline of a WAL file name (its first 8 hex digits), e.g. of <c>pg_walfile_name(pg_current_wal_lsn())</c>.</summary>
    public static int TimelineOfWalFile(string walFileName) => int.Parse(walFileName.AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>
    /// Whether a standby that receives WAL on <paramref name="receivedTimeline"/> (pg_stat_wal_receiver's, null when it
    /// receives none or may not say) and has replayed up to <paramref name="replayed"/> holds the write: it follows a
    /// history at least as new as the write's, and it has replayed past it.
    /// </summary>
    public bool IsReplayedBy(int? receivedTimeline, NpgsqlLogSequenceNumber replayed) =>
        receivedTimeline >= Timeline && replayed >= Position;

    /// <summary>Whether the token names a point the primary, now at <paramref name="primary"/>, has not reached: it was never issued.</summary>
    public bool IsAheadOf(ConsistencyToken primary) =>
        Timeline > primary.Timeline || (Timeline == primary.Timeline && Position > primary.Position);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Timeline}:{Position}");
}

/// <summary>A token that is well formed but names a point the primary has not reached: it was never issued.</summary>
public sealed class ConsistencyTokenAheadException(ConsistencyToken token, ConsistencyToken primary)
    : Exception($"The consistency token {token} is ahead of the primary's timeline and position {primary}; it was not issued by this database.");
