namespace Replication.Tests.Kit;

/// <summary>
/// Everything a write can leave in the users database: the user rows and the idempotency records. A request that
/// "writes nothing" changes neither.
/// </summary>
public sealed record WrittenRows(long Users, long IdempotencyRecords)
{
    public override string ToString() => $"{Users} users, {IdempotencyRecords} idempotency records";
}

public static class WrittenRowsQueries
{
    /// <summary>Counts the rows on the node that is primary now.</summary>
    public static async Task<WrittenRows> CountWrittenRowsAsync(this ReplicaSetProbe database, CancellationToken cancellationToken = default)
    {
        var primary = await database.FindPrimaryAsync(cancellationToken);
        return new WrittenRows(
            await database.QueryAsync<long>(primary, "SELECT count(*) FROM users", cancellationToken),
            await database.QueryAsync<long>(primary, "SELECT count(*) FROM idempotency_keys", cancellationToken));
    }
}
