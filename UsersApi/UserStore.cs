using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Replication.UsersApi;

/// <summary>The SQL behind the API. Every statement is parameterised.</summary>
public sealed class UserStore(UsersDatabase database, DatabaseRetries retries)
{
    private const string UniqueViolation = "23505";
    private const string EmailIndex = "users_email_key";

    /// <summary>How long a read with a consistency token waits for a replica to catch up before it goes to the primary.</summary>
    private static readonly TimeSpan ReadYourWritesWait = TimeSpan.FromMilliseconds(100);

    public Task<CreateResult> CreateAsync(CreateUserRequest request, string? idempotencyKey, CancellationToken cancellationToken) =>
        retries.ForWrite(idempotencyKey is not null).ExecuteAsync(
            async token => await CreateOnceAsync(request, idempotencyKey, token), cancellationToken).AsTask();

    public Task<(User? User, string Node)> FindAsync(long id, ConsistencyToken? seen, CancellationToken cancellationToken) =>
        retries.Reads.ExecuteAsync(async token => await FindOnceAsync(id, seen, token), cancellationToken).AsTask();

    public Task<(IReadOnlyList<User> Users, string Node)> ListAsync(long after, int limit, ConsistencyToken? seen, CancellationToken cancellationToken) =>
        retries.Reads.ExecuteAsync(async token => await ListOnceAsync(after, limit, seen, token), cancellationToken).AsTask();

    /// <summary>
    /// One attempt at the write. Its answer is an acknowledgement only once its commit is on the synchronous standbys;
    /// otherwise the write may or may not survive a failover, and the answer says so (<see cref="CreateResult.NotConfirmed"/>).
    /// </summary>
    private async Task<CreateResult> CreateOnceAsync(CreateUserRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        await using var write = await WriteTransaction.BeginAsync(database.Primary, cancellationToken);
        var (connection, transaction) = (write.Connection, write.Transaction);
        try
        {
            if (idempotencyKey is not null
                && await ClaimIdempotencyKeyAsync(connection, transaction, idempotencyKey, request, cancellationToken) is { } earlier)
            {
                if (earlier is not CreateResult.Replayed replayed)
                {
                    return earlier;
                }

                // The earlier commit may stand on this node only (its wait for the standbys was cancelled, or the node
                // restarted after a crash). The claim touched the key's row, so this commit comes later in the WAL: once
                // a standby has it, it has the earlier one too.
                return await write.CommitAsync(cancellationToken)
                    ? replayed with { CommitPosition = (await CurrentPointAsync(connection, cancellationToken)).ToString() }
                    : new CreateResult.NotConfirmed();
            }

            User user;
            try
            {
                user = await InsertUserAsync(connection, transaction, request, cancellationToken);
            }
            catch (PostgresException exception) when (exception.SqlState == UniqueViolation && exception.ConstraintName == EmailIndex)
            {
                // The transaction rolls back on dispose: neither the row nor the idempotency record remains.
                return new CreateResult.DuplicateEmail();
            }

            if (idempotencyKey is not null)
            {
                await RecordResponseAsync(connection, transaction, idempotencyKey, user, cancellationToken);
            }

            return await write.CommitAsync(cancellationToken)
                ? new CreateResult.Created(user, (await CurrentPointAsync(connection, cancellationToken)).ToString())
                : new CreateResult.NotConfirmed();
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.QueryCanceled)
        {
            // The statement timeout, typically while waiting for the lock of an earlier attempt with the same key (or
            // email) whose commit is still waiting for the standbys: that attempt may yet stand, so this is no failure.
            return new CreateResult.NotConfirmed();
        }
    }

    private async Task<(User? User, string Node)> FindOnceAsync(long id, ConsistencyToken? seen, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(seen, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT id, name, email, created_at FROM users WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var user = await reader.ReadAsync(cancellationToken) ? ReadUser(reader) : null;
        await reader.DisposeAsync();
        return (user, await database.GetNodeNameAsync(connection, cancellationToken));
    }

    private async Task<(IReadOnlyList<User> Users, string Node)> ListOnceAsync(
        long after, int limit, ConsistencyToken? seen, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(seen, cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT id, name, email, created_at FROM users WHERE id > @after ORDER BY id LIMIT @limit", connection);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("limit", limit);
        var users = new List<User>(limit);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                users.Add(ReadUser(reader));
            }
        }

        return (users, await database.GetNodeNameAsync(connection, cancellationToken));
    }

    /// <summary>
    /// A replica connection, or, when the client has seen a write (<paramref name="seen"/>) that no replica has replayed
    /// within <see cref="ReadYourWritesWait"/>, a primary connection: the read never returns older data. A replica counts
    /// only on the write's timeline or a later one (<see cref="ConsistencyToken.IsReplayedBy"/>).
    /// </summary>
    private async Task<NpgsqlConnection> OpenReadConnectionAsync(ConsistencyToken? seen, CancellationToken cancellationToken)
    {
        var replica = await database.Replicas.OpenConnectionAsync(cancellationToken);
        if (seen is not { } required)
        {
            return replica;
        }

        var deadline = DateTime.UtcNow + ReadYourWritesWait;
        // received_tli needs pg_read_all_stats (the set's bootstrap grants it to the app's role); without it, it is null,
        // and a read with a token goes to the primary.
        await using (var replayed = new NpgsqlCommand("SELECT pg_last_wal_replay_lsn(), (SELECT received_tli FROM pg_stat_wal_receiver)", replica))
        {
            while (true)
            {
                await using (var reader = await replayed.ExecuteReaderAsync(cancellationToken))
                {
                    await reader.ReadAsync(cancellationToken);
                    // Null on a primary, which has every committed write.
                    if (reader.IsDBNull(0)
                        || required.IsReplayedBy(reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.GetFieldValue<NpgsqlLogSequenceNumber>(0)))
                    {
                        return replica;
                    }
                }

                if (DateTime.UtcNow >= deadline)
                {
                    break;
                }

                await Task.Delay(5, cancellationToken);
            }
        }

        await replica.DisposeAsync();
        var primary = await database.Primary.OpenConnectionAsync(cancellationToken);
        var primaryPoint = await CurrentPointAsync(primary, cancellationToken);
        if (required.IsAheadOf(primaryPoint))
        {
            await primary.DisposeAsync();
            throw new ConsistencyTokenAheadException(required, primaryPoint);
        }

        return primary;
    }

    private static async Task<CreateResult?> ClaimIdempotencyKeyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string key, CreateUserRequest request, CancellationToken cancellationToken)
    {
        // A concurrent request with the same key blocks here until the first one commits or rolls back.
        await using var claim = new NpgsqlCommand(
            """
            INSERT INTO idempotency_keys (key, request_hash, response_body)
            VALUES (@key, @hash, '')
            ON CONFLICT (key) DO NOTHING
            """, connection, transaction);
        claim.Parameters.AddWithValue("key", key);
        var fingerprint = request.Fingerprint();
        claim.Parameters.AddWithValue("hash", fingerprint);
        if (await claim.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            return null;
        }

        // A write of its own (the row is touched, not changed), so that the replay's commit waits for the standbys too.
        await using var lookup = new NpgsqlCommand(
            "UPDATE idempotency_keys SET request_hash = request_hash WHERE key = @key RETURNING request_hash, response_body",
            connection, transaction);
        lookup.Parameters.AddWithValue("key", key);
        await using var reader = await lookup.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var storedHash = reader.GetFieldValue<byte[]>(0);
        if (!storedHash.AsSpan().SequenceEqual(fingerprint))
        {
            return new CreateResult.KeyReusedWithDifferentBody();
        }

        var user = JsonSerializer.Deserialize<User>(reader.GetString(1), JsonSerializerOptions.Web)!;
        return new CreateResult.Replayed(user, CommitPosition: "");
    }

    private static async Task<User> InsertUserAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CreateUserRequest request, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            "INSERT INTO users (name, email) VALUES (@name, @email) RETURNING id, name, email, created_at",
            connection, transaction);
        insert.Parameters.AddWithValue("name", request.Name);
        insert.Parameters.AddWithValue("email", request.Email);
        await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return ReadUser(reader);
    }

    private static async Task RecordResponseAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string key, User user, CancellationToken cancellationToken)
    {
        await using var record = new NpgsqlCommand(
            "UPDATE idempotency_keys SET response_body = @body WHERE key = @key",
            connection, transaction);
        record.Parameters.AddWithValue("key", key);
        record.Parameters.AddWithValue("body", JsonSerializer.Serialize(user, JsonSerializerOptions.Web));
        await record.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The primary's timeline and WAL position, e.g. right after a commit: at or past the commit record, so a replica on
    /// that history that has replayed it sees the write.
    /// </summary>
    private static async Task<ConsistencyToken> CurrentPointAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT lsn, pg_walfile_name(lsn) FROM pg_current_wal_lsn() AS lsn", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ConsistencyToken(ConsistencyToken.TimelineOfWalFile(reader.GetString(1)), reader.GetFieldValue<NpgsqlLogSequenceNumber>(0));
    }

    private static User ReadUser(NpgsqlDataReader reader) =>
        new(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3));
}

public abstract record CreateResult
{
    private CreateResult()
    {
    }

    public sealed record Created(User User, string CommitPosition) : CreateResult;

    public sealed record Replayed(User User, string CommitPosition) : CreateResult;

    public sealed record DuplicateEmail : CreateResult;

    public sealed record KeyReusedWithDifferentBody : CreateResult;

    /// <summary>
    /// The write may stand on the primary, but is not known to be on the synchronous standbys, so a failover could
    /// still lose it: not an acknowledgement. Retrying with the same Idempotency-Key confirms it, once it can be.
    /// </summary>
    public sealed record NotConfirmed : CreateResult;
}
