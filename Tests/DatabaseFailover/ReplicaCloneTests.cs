using Npgsql;
using Replication.Tests.Kit;

namespace Replication.Tests.DatabaseFailover;

/// <summary>
/// A replica cloned while a commit waits for synchronous replication (every other standby down). Its base backup's
/// snapshot still lists that transaction as running, though the commit record lies before the backup: PostgreSQL alone
/// would have the new replica hide the commit's writes until the primary's next snapshot of running transactions (every
/// 15 s, and only after other writes), even once it has replayed past the commit's LSN.
/// </summary>
[Collection(SyncDurabilityGraph.Name)]
public sealed class ReplicaCloneTests(SyncDurabilityGraph graph) : GraphScenarios<SyncDurabilityGraph>(graph)
{
    /// <summary>Well below PostgreSQL's 15 s between snapshots: what sees the write sooner is the snapshot the set asked for.</summary>
    private static readonly TimeSpan VisibleWithin = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task AReplicaClonedWhileACommitWaitsForIt_ShowsThatCommit_OnceItHasReplayedIt()
    {
        var (primary, cloned) = await RestoredPrimaryAndAStandbyAsync();
        var haManager = new HaManager(Graph.App);
        var standbys = Graph.Database.Nodes.Select(node => node.Name).Where(name => name != primary).ToList();
        var dataDirectory = await Graph.Database.QueryAsync<string>(cloned, "SHOW data_directory", CancellationToken);
        foreach (var standby in standbys)
        {
            await haManager.ExecuteAsync(standby, KnownResourceCommands.StopCommand, CancellationToken);
        }

        try
        {
            var email = $"clone-{Guid.NewGuid():N}@example.com";
            var writing = InsertAsync(primary, email);
            await Poll.UntilOrThrowAsync(async token => await Graph.Database.QueryAsync<long>(primary,
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'", token) > 0,
                TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50), "the write's commit to wait for a standby", CancellationToken);
            Assert.False(writing.IsCompleted, "The write committed with every standby down: nothing waited for synchronous replication.");

            // A lost disk: with no data left, Rejoin clones the replica afresh (pg_rewind has nothing to rewind).
            foreach (var entry in new DirectoryInfo(dataDirectory).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo directory)
                {
                    directory.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }

            await haManager.RejoinAsync(cloned, primary, CancellationToken);
            var commitLsn = await writing;
            await Poll.UntilOrThrowAsync(async token => await Graph.Database.QueryAsync<bool>(cloned,
                    "SELECT pg_last_wal_replay_lsn() >= @lsn::pg_lsn", token, ("lsn", commitLsn)),
                TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50), $"{cloned} to replay the commit at {commitLsn}", CancellationToken);

            if (!await Poll.UntilAsync(async token => await CountAsync(cloned, email, token) == 1, VisibleWithin, TimeSpan.FromMilliseconds(100), CancellationToken))
            {
                var status = await Graph.Database.QueryAsync<string>(cloned, "SELECT coalesce(txid_status(@xid), 'unknown')", CancellationToken, ("xid", await XidOfAsync(primary, email)));
                Assert.Fail($"{cloned}, cloned while the write's commit waited for it, replayed past the commit ({commitLsn}) " +
                            $"but hid the row for {VisibleWithin.TotalSeconds:F0} s; it says the transaction is {status}.");
            }
        }
        finally
        {
            foreach (var standby in standbys.Where(standby => !Graph.Database.IsNodeRunning(standby)))
            {
                await haManager.ExecuteAsync(standby, KnownResourceCommands.StartCommand, CancellationToken.None);
            }

            await GraphRepair.RestoreAsync(Graph, Output, CancellationToken.None);
        }
    }

    /// <summary>Inserts a user over a superuser connection that waits as long as the commit does; returns the WAL position after the commit.</summary>
    private async Task<string> InsertAsync(string primary, string email)
    {
        await using var connection = await Graph.Database.OpenAsync(primary, cancellationToken: CancellationToken);
        await using var insert = new NpgsqlCommand("INSERT INTO users (name, email) VALUES ('Clone', @email)", connection) { CommandTimeout = 0 };
        insert.Parameters.AddWithValue("email", email);
        await insert.ExecuteNonQueryAsync(CancellationToken);
        await using var lsn = new NpgsqlCommand("SELECT pg_current_wal_lsn()::text", connection);
        return (string)(await lsn.ExecuteScalarAsync(CancellationToken))!;
    }

    private async Task<long> CountAsync(string node, string email, CancellationToken cancellationToken)
    {
        await using var connection = await Graph.Database.OpenAsync(node, cancellationToken: cancellationToken);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM users WHERE email = @email", connection);
        count.Parameters.AddWithValue("email", email);
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<long> XidOfAsync(string primary, string email)
    {
        await using var connection = await Graph.Database.OpenAsync(primary, cancellationToken: CancellationToken);
        await using var xid = new NpgsqlCommand("SELECT xmin::text::bigint FROM users WHERE email = @email", connection);
        xid.Parameters.AddWithValue("email", email);
        return (long)(await xid.ExecuteScalarAsync(CancellationToken))!;
    }
}
