namespace Replication.Contracts;

/// <summary>The HTTP headers of the graph's contract (DESIGN.md), shared by the services and the gateway.</summary>
public static class ReplicationHeaders
{
    /// <summary>Which service produced the response: primaryservice or backupservice.</summary>
    public const string ServedBy = "X-Served-By";

    /// <summary>Which PostgreSQL node served a read: pg-N.</summary>
    public const string ReadFrom = "X-Read-From";

    /// <summary>A write's commit position; sent back on a read for read-your-writes.</summary>
    public const string ConsistencyToken = "X-Consistency-Token";

    /// <summary>Makes a write safe to repeat: the same key and body replay the first response.</summary>
    public const string IdempotencyKey = "Idempotency-Key";

    /// <summary>On a write's response: <c>true</c> when it replays the first response to the same Idempotency-Key.</summary>
    public const string IdempotentReplayed = "Idempotent-Replayed";
}
