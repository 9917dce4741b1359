using NpgsqlTypes;

namespace Replication.UsersApi;

/// <summary>
/// The <c>X-Consistency-Token</c> a write returns: the primary's WAL position after the commit. A read that sends it
/// back sees that write (read-your-writes).
/// </summary>
public static class ConsistencyToken
{
    public const int MaxLength = 17; // "FFFFFFFF/FFFFFFFF"

    public static bool TryParse(string? value, out NpgsqlLogSequenceNumber position)
    {
        position = default;
        return value is { Length: > 0 and <= MaxLength } && NpgsqlLogSequenceNumber.TryParse(value, out position);
    }
}

/// <summary>A token that is well formed but names a position the primary has not reached: it was never issued.</summary>
public sealed class ConsistencyTokenAheadException(NpgsqlLogSequenceNumber token, NpgsqlLogSequenceNumber primary)
    : Exception($"The consistency token {token} is ahead of the primary's position {primary}; it was not issued by this database.");
