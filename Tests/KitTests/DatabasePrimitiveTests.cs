using Npgsql;
using Replication.Tests.Kit;

namespace Replication.Tests.KitTests;

/// <summary>
/// The kit's database primitives, and the nodes' dashboard commands behind them (Kill postmaster, Promote, Rejoin),
/// proven against real PostgreSQL nodes. Each test starts from whatever node is primary now and leaves every node
/// streaming again, so the tests hold in any order and on a graph they share.
/// </summary>
public abstract class DatabasePrimitiveScenarios<TGraph>(TGraph graph) : GraphScenarios<TGraph>(graph)
    where TGraph : GraphFixture
{
    [Fact]
    public async Task KillAsyncCrashesAReplicaAndStartAsyncBringsItBackStreaming()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (primary, replica) = await PrimaryAndAReplicaAsync(cancellationToken);

        await Graph.Database.KillAsync(replica, cancellationToken);
        try
        {
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => Graph.Database.IsInRecoveryAsync(replica, cancellationToken));
            Assert.DoesNotContain(replica, await Graph.Database.StreamingStandbysAsync(primary, cancellationToken));
        }
        finally
        {
            await Graph.Faults.StartAsync(replica, cancellationToken); // Healthy means streaming again.
        }

        Assert.Contains(replica, await Graph.Database.StreamingStandbysAsync(primary, cancellationToken));
    }

    [Fact]
    public async Task PromoteMakesAReplicaThePrimary_StopsTheOldOne_TheRestFollow_AndRejoinMakesTheOldOneAReplica()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (former, candidate) = await PrimaryAndAReplicaAsync(cancellationToken);
        var followers = (await Graph.Database.StreamingStandbysAsync(former, cancellationToken)).Where(name => name != candidate).ToList();
        try
        {
            await Graph.Database.FailoverAsync(candidate, cancellationToken);

            Assert.Equal(candidate, await Graph.Database.FindPrimaryAsync(cancellationToken));
            Assert.False(Graph.IsRunning(former), $"The former primary {former} still runs after the switchover.");
            await Graph.Database.WaitForStandbysAsync(candidate, followers, TimeSpan.FromSeconds(30), cancellationToken);
        }
        finally
        {
            // The fenced former primary comes back as a replica, so the next test has the whole set again.
            if (!Graph.IsRunning(former))
            {
                await Graph.Database.RejoinAsync(former, cancellationToken);
            }
        }

        Assert.True(await Graph.Database.IsInRecoveryAsync(former, cancellationToken), $"{former} came back as a primary.");
        await Graph.Database.WaitForStandbysAsync(candidate, [former, .. followers], TimeSpan.FromSeconds(90), cancellationToken);
    }

    [Fact]
    public async Task LagAndLsnQueriesReportEveryReplica()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (primary, replica) = await PrimaryAndAReplicaAsync(cancellationToken);

        var visible = await Graph.Database.MeasureWriteToVisibleAsync(primary, replica, writes: 50, cancellationToken);
        var lag = await Graph.Database.ReplayLagBytesAsync(primary, cancellationToken);
        var primaryLsn = await Graph.Database.LsnAsync(primary, cancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"write-to-visible {primary}→{replica} over {visible.Count} writes: p50 {Percentiles.Of(visible, 0.5).TotalMilliseconds:F2} ms, " +
            $"p99 {Percentiles.Of(visible, 0.99).TotalMilliseconds:F2} ms; replay lag bytes {string.Join(", ", lag.Select(p => $"{p.Key}={p.Value}"))}; LSN {primaryLsn}");
        Assert.Equal(50, visible.Count);
        Assert.Contains(replica, lag.Keys);
        Assert.All(lag.Values, bytes => Assert.True(bytes >= 0));
        Assert.Matches("^[0-9A-F]+/[0-9A-F]+$", primaryLsn);
    }

    protected async Task<(string Primary, string Replica)> PrimaryAndAReplicaAsync(CancellationToken cancellationToken)
    {
        var primary = await Graph.Database.FindPrimaryAsync(cancellationToken);
        var standbys = await Graph.Database.StreamingStandbysAsync(primary, cancellationToken);
        Assert.NotEmpty(standbys);
        return (primary, standbys[0]);
    }
}

[Collection(ServiceFaultsGraph.Name)]
public sealed class DatabasePrimitiveTests(GraphFixture graph) : DatabasePrimitiveScenarios<GraphFixture>(graph)
{
    // Processes only: a node freeze signals the node's processes, which a container keeps in its own namespace.
    [Fact]
    public async Task NodeFreezeStopsEveryProcessOfAReplicaAndTheWalsenderFeedingIt_AndTheThawResumesStreaming()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (primary, replica) = await PrimaryAndAReplicaAsync(cancellationToken);
        long id;
        await using (var frozen = await new NodeFaults(Graph.App).FreezeAsync(replica, cancellationToken))
        {
            Assert.True(await MemberState.IsFrozenAsync(Graph.App, replica, cancellationToken), $"{replica} is not frozen: {frozen.Description}");

            // No WAL leaves for the frozen replica: what its walsender has sent stands still while the primary writes.
            var sentBefore = await Graph.Database.SentLsnAsync(primary, replica, cancellationToken);
            Assert.NotNull(sentBefore);
            id = await Graph.Database.QueryAsync<long>(primary, "INSERT INTO users (name, email) VALUES ('Freeze probe', @email) RETURNING id",
                cancellationToken, ("email", UsersApiClient.UniqueEmail("freeze")));
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            Assert.Equal(sentBefore, await Graph.Database.SentLsnAsync(primary, replica, cancellationToken));
        }

        Assert.False(await MemberState.IsFrozenAsync(Graph.App, replica, cancellationToken), $"{replica} is still frozen after the thaw.");
        Assert.True(await Graph.Database.WaitForUserAsync(replica, id, TimeSpan.FromSeconds(30), cancellationToken), $"{replica} never received user {id} after the thaw.");
    }
}

[Collection(ContainerGraph.Name)]
public sealed class DatabasePrimitiveOnContainersTests(ContainerGraphFixture graph) : DatabasePrimitiveScenarios<ContainerGraphFixture>(graph);
