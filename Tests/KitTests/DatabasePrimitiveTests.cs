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
    private static readonly TimeSpan RejoinTimeout = TimeSpan.FromSeconds(60);

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

        await Graph.Database.PromoteAsync(candidate, cancellationToken);
        try
        {
            Assert.Equal(candidate, await Graph.Database.FindPrimaryAsync(cancellationToken));
            Assert.True(Graph.App.ResourceNotifications.TryGetCurrentState(former, out var state));
            Assert.NotEqual(KnownResourceStates.Running, state.Snapshot.State?.Text);
            await Graph.Database.WaitForStandbysAsync(candidate, followers, TimeSpan.FromSeconds(30), cancellationToken);
        }
        finally
        {
            await Graph.Database.RejoinAsync(former, cancellationToken);
        }

        Assert.True(await Graph.Database.IsInRecoveryAsync(former, cancellationToken), $"{former} came back as a primary.");
        await Graph.Database.WaitForStandbysAsync(candidate, [former, .. followers], RejoinTimeout, cancellationToken);
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

    private async Task<(string Primary, string Replica)> PrimaryAndAReplicaAsync(CancellationToken cancellationToken)
    {
        var primary = await Graph.Database.FindPrimaryAsync(cancellationToken);
        var standbys = await Graph.Database.StreamingStandbysAsync(primary, cancellationToken);
        Assert.NotEmpty(standbys);
        return (primary, standbys[0]);
    }
}

[Collection(DatabaseFaultsGraph.Name)]
public sealed class DatabasePrimitiveTests(GraphFixture graph) : DatabasePrimitiveScenarios<GraphFixture>(graph);

[Collection(ContainerGraph.Name)]
public sealed class DatabasePrimitiveOnContainersTests(ContainerGraphFixture graph) : DatabasePrimitiveScenarios<ContainerGraphFixture>(graph);
