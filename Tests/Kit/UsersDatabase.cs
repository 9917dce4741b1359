using System.Diagnostics;
using Npgsql;

namespace Replication.Tests.Kit;

/// <summary>
/// Everything a write can leave in the users database: the user rows and the idempotency records. A request that
/// "writes nothing" changes neither.
/// </summary>
public sealed record WrittenRows(long Users, long IdempotencyRecords)
{
    public override string ToString() => $"{Users} users, {IdempotencyRecords} idempotency records";
}

/// <summary>Reads of the users database, node by node, straight from PostgreSQL (not through the services under test).</summary>
public static class UsersDatabase
{
    /// <summary>Counts the rows on the node that is primary now.</summary>
    public static async Task<WrittenRows> CountWrittenRowsAsync(this ReplicaSetProbe database, CancellationToken cancellationToken = default)
    {
        var primary = await database.FindPrimaryAsync(cancellationToken);
        return new WrittenRows(
            await database.QueryAsync<long>(primary, "SELECT count(*) FROM users", cancellationToken),
            await database.QueryAsync<long>(primary, "SELECT count(*) FROM idempotency_keys", cancellationToken));
    }

    public static Task<long> CountUsersAsync(this ReplicaSetProbe database, string nodeName, CancellationToken cancellationToken = default) =>
        database.QueryAsync<long>(nodeName, "SELECT count(*) FROM users", cancellationToken);

    public static async Task<bool> UserExistsAsync(this ReplicaSetProbe database, string nodeName, long id, CancellationToken cancellationToken = default) =>
        await database.QueryAsync<long>(nodeName, "SELECT count(*) FROM users WHERE id = @id", cancellationToken, ("id", id)) == 1;

    /// <summary>Polls a node until the row is there, e.g. until a replica has replayed a write.</summary>
    public static Task<bool> WaitForUserAsync(this ReplicaSetProbe database, string nodeName, long id, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Poll.UntilAsync(token => database.UserExistsAsync(nodeName, id, token), timeout, TimeSpan.FromMilliseconds(50), cancellationToken);

    /// <summary>Every user email on the node that starts with <paramref name="prefix"/>.</summary>
    public static async Task<IReadOnlyList<string>> EmailsAsync(this ReplicaSetProbe database, string nodeName, string prefix, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(nodeName, cancellationToken: cancellationToken);
        await using var command = new NpgsqlCommand("SELECT email FROM users WHERE starts_with(email, @prefix)", connection);
        command.Parameters.AddWithValue("prefix", prefix);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var emails = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            emails.Add(reader.GetString(0));
        }

        return emails;
    }

    /// <summary>
    /// Writes on <paramref name="primary"/> and times how long each write takes to become visible on
    /// <paramref name="replica"/>: replication lag as a reader sees it.
    /// </summary>
    public static async Task<IReadOnlyList<TimeSpan>> MeasureWriteToVisibleAsync(
        this ReplicaSetProbe database, string primary, string replica, int writes, CancellationToken cancellationToken = default)
    {
        var delays = new List<TimeSpan>(writes);
        await using var writer = await database.OpenAsync(primary, cancellationToken: cancellationToken);
        await using var reader = await database.OpenAsync(replica, cancellationToken: cancellationToken);
        for (var i = 0; i < writes; i++)
        {
            await using var insert = new NpgsqlCommand("INSERT INTO users (name, email) VALUES ('Lag probe', @email) RETURNING id", writer);
            insert.Parameters.AddWithValue("email", UsersApiClient.UniqueEmail("lag"));
            var id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
            var committed = Stopwatch.StartNew();

            // One open connection, polled as fast as it answers, so the figure is the lag and not connection set-up.
            await using var probe = new NpgsqlCommand("SELECT count(*) FROM users WHERE id = @id", reader);
            probe.Parameters.AddWithValue("id", id);
            while ((long)(await probe.ExecuteScalarAsync(cancellationToken))! == 0)
            {
                if (committed.Elapsed > TimeSpan.FromSeconds(10))
                {
                    throw new TimeoutException($"User {id} never became visible on {replica}.");
                }
            }

            delays.Add(committed.Elapsed);
        }

        return delays;
    }
}
