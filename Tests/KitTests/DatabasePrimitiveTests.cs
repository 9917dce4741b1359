using Replication.Tests.Kit;

namespace Replication.Tests.KitTests;

/// <summary>
/// The kit's database primitives, proven against real PostgreSQL nodes. Each test starts from whatever node is
/// primary now, so the tests hold in any order.
/// </summary>
[Collection(DatabaseFaultsGraph.Name)]
public sealed class DatabasePrimitiveTests(GraphFixture graph)
{
    [Fact]
    public async Task KillAsyncCrashesAReplicaAndStartAsyncBringsItBackStreaming()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (primary, replica) = await PrimaryAndAReplicaAsync(cancellationToken);
        var postmaster = graph.Faults.ProcessOf(replica);
        try
        {
            await graph.Database.KillAsync(replica, cancellationToken);

            Assert.False(ProcessTree.IsAlive(postmaster), "The postmaster survived SIGKILL.");
            Assert.DoesNotContain(replica, await graph.Database.StreamingStandbysAsync(primary, cancellationToken));
        }
        finally
        {
            await graph.Faults.StartAsync(replica, cancellationToken); // Healthy means streaming again.
        }

        Assert.Contains(replica, await graph.Database.StreamingStandbysAsync(primary, cancellationToken));
    }

    [Fact]
    public async Task NodeFreezeStopsEveryProcessOfAReplicaAndTheWalsenderFeedingIt_AndTheThawResumesStreaming()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (primary, replica) = await PrimaryAndAReplicaAsync(cancellationToken);
        var postmaster = graph.Faults.ProcessOf(replica);

        long id;
        await using (var frozen = await new NodeFaults(graph.App).FreezeAsync(replica, primary, cancellationToken))
        {
            Assert.Contains(postmaster, frozen.Processes);
            // A backend may have ended between the look and the signal; every process still there is stopped.
            Assert.All(frozen.Processes.Where(ProcessTree.IsAlive), pid => Assert.Equal('T', ProcessTree.StateOf(pid)));

            // No WAL leaves for the frozen replica: what its walsender has sent stands still while the primary writes.
            var sentBefore = await SentLsnAsync(primary, replica, cancellationToken);
            id = await graph.Database.QueryAsync<long>(primary, "INSERT INTO users (name, email) VALUES ('Freeze probe', @email) RETURNING id",
                cancellationToken, ("email", UsersApiClient.UniqueEmail("freeze")));
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            Assert.Equal(sentBefore, await SentLsnAsync(primary, replica, cancellationToken));
        }

        Assert.NotEqual('T', ProcessTree.StateOf(postmaster));
        Assert.True(await graph.Database.WaitForUserAsync(replica, id, TimeSpan.FromSeconds(30), cancellationToken), $"{replica} never received user {id} after the thaw.");
    }

    [Fact]
    public async Task PromoteAsyncMakesAReplicaThePrimary_StopsTheOldOne_AndTheRestFollow()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (former, candidate) = await PrimaryAndAReplicaAsync(cancellationToken);
        var followers = (await graph.Database.StreamingStandbysAsync(former, cancellationToken)).Where(name => name != candidate).ToList();
        try
        {
            await graph.Database.PromoteAsync(candidate, cancellationToken);

            Assert.Equal(candidate, await graph.Database.FindPrimaryAsync(cancellationToken));
            Assert.False(graph.IsRunning(former), $"The former primary {former} still runs after the switchover.");
            await graph.Database.WaitForStandbysAsync(candidate, followers, TimeSpan.FromSeconds(30), cancellationToken);
        }
        finally
        {
            // The fenced former primary comes back as a replica, so the next test has the whole set again.
            if (!graph.IsRunning(former))
            {
                await graph.Database.RejoinAsync(former, cancellationToken);
            }
        }

        await graph.Database.WaitForStandbysAsync(candidate, [former, .. followers], TimeSpan.FromSeconds(90), cancellationToken);
    }

    [Fact]
    public async Task LagAndLsnQueriesReportEveryReplica()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (primary, replica) = await PrimaryAndAReplicaAsync(cancellationToken);

        var visible = await graph.Database.MeasureWriteToVisibleAsync(primary, replica, writes: 50, cancellationToken);
        var lag = await graph.Database.ReplayLagBytesAsync(primary, cancellationToken);
        var primaryLsn = await graph.Database.LsnAsync(primary, cancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"write-to-visible {primary}→{replica} over {visible.Count} writes: p50 {Percentiles.Of(visible, 0.5).TotalMilliseconds:F2} ms, " +
            $"p99 {Percentiles.Of(visible, 0.99).TotalMilliseconds:F2} ms; replay lag bytes {string.Join(", ", lag.Select(p => $"{p.Key}={p.Value}"))}; LSN {primaryLsn}");
        Assert.Equal(50, visible.Count);
        Assert.Contains(replica, lag.Keys);
        Assert.All(lag.Values, bytes => Assert.True(bytes >= 0));
        Assert.Matches("^[0-9A-F]+/[0-9A-F]+$", primaryLsn);
    }

    private Task<string> SentLsnAsync(string primary, string replica, CancellationToken cancellationToken) =>
        graph.Database.QueryAsync<string>(primary, "SELECT sent_lsn::text FROM pg_stat_replication WHERE application_name = @replica", cancellationToken,
            ("replica", replica));

    private async Task<(string Primary, string Replica)> PrimaryAndAReplicaAsync(CancellationToken cancellationToken)
    {
        var primary = await graph.Database.FindPrimaryAsync(cancellationToken);
        var standbys = await graph.Database.StreamingStandbysAsync(primary, cancellationToken);
        Assert.NotEmpty(standbys);
        return (primary, standbys[0]);
    }
}
