using Npgsql;

namespace Replication.UsersApi;

/// <summary>
/// A write transaction on the primary whose commit says whether it is known to be on the synchronous standbys.
/// </summary>
/// <remarks>
/// With <c>synchronous_standby_names</c> set, a COMMIT waits for the standby quorum. When that wait is cancelled (a
/// cancel request, e.g. a command timeout or an aborted HTTP request), PostgreSQL does not fail the COMMIT: it reports a
/// WARNING ("canceling wait for synchronous replication", SQLSTATE 01000) and the transaction stands, committed locally
/// only, visible to everyone and lost if the primary dies now. When the backend is terminated instead, the warning
/// (57P01) comes before the connection closes, and the commit throws. So a commit that reported a warning is not
/// acknowledged. The severity is checked, never the message, which the server's locale translates; and the transaction
/// itself asks for warnings, so no server or role setting of <c>client_min_messages</c> can hide them.
/// </remarks>
internal sealed class WriteTransaction : IAsyncDisposable
{
    private WriteTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    public static async Task<WriteTransaction> BeginAsync(NpgsqlDataSource primary, CancellationToken cancellationToken)
    {
        var connection = await primary.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var warnings = new NpgsqlCommand("SET LOCAL client_min_messages = warning", connection, transaction))
            {
                await warnings.ExecuteNonQueryAsync(cancellationToken);
            }

            return new WriteTransaction(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Commits. True when the commit completed its wait for the synchronous standbys (or the server does not wait for
    /// any); false when it stands locally only, because the wait was cancelled.
    /// </summary>
    public async Task<bool> CommitAsync(CancellationToken cancellationToken)
    {
        var warned = false;
        void OnNotice(object? sender, NpgsqlNoticeEventArgs notice) =>
            warned |= notice.Notice.InvariantSeverity == "WARNING";

        Connection.Notice += OnNotice;
        try
        {
            await Transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            Connection.Notice -= OnNotice;
        }

        return !warned;
    }

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
