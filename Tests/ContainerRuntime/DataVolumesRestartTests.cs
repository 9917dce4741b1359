using Replication.Tests.Kit;

namespace Replication.Tests.ContainerRuntime;

/// <summary>
/// The AppHost restarted after a failover, with <c>Postgres:DataVolumes=true</c>: the primary is found from the nodes,
/// not assumed to be pg-0. Exactly one node accepts writes, the one the failover promoted; the dashboard says so; the
/// fenced former primary comes back as its replica; and not one write acknowledged before the restart is lost.
/// </summary>
[Collection(DataVolumesGraph.Name)]
public sealed class DataVolumesRestartTests(DataVolumesGraphFixture graph)
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task AfterAFailover_TheRestartedAppHostFindsThePromotedPrimary_AndLosesNoAcknowledgedWrite()
    {
        graph.SkipUnlessBooted();
        var cancellationToken = TestContext.Current.CancellationToken;
        var failover = await DatabaseFailoverScenario.KillPrimaryUnderWritesAsync(graph, cancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine($"Before the restart: {failover}");
        Assert.True(failover.Writes.Lost == 0 && failover.AcknowledgedAfterKill > 0, $"The failover itself went wrong: {failover}");

        await graph.RestartAsync();
        TestContext.Current.TestOutputHelper?.WriteLine($"Restarted in {graph.BootTime.TotalSeconds:F1} s");

        Assert.Equal([failover.NewPrimary], await graph.Database.WritableNodesAsync(cancellationToken));
        var others = graph.Database.Nodes.Select(node => node.Name).Where(name => name != failover.NewPrimary).ToList();
        await graph.Database.WaitForStandbysAsync(failover.NewPrimary, others, SettleTimeout, cancellationToken);
        Assert.True(await WaitForDashboardAsync(failover.NewPrimary, others, cancellationToken),
            $"The dashboard does not show {failover.NewPrimary} as the primary: {DescribeDashboard()}");

        var writes = await AcknowledgedWrites.VerifyAsync(failover.Load, cancellationToken);
        Assert.True(writes.Lost == 0, $"After the restart: {writes}");
        await graph.Gateway.CreateUserAsync("After the restart", cancellationToken);
    }

    /// <summary>The set's <c>postgres.primary</c> and every node's <c>postgres.role</c>, as the dashboard shows them.</summary>
    private Task<bool> WaitForDashboardAsync(string primary, IReadOnlyList<string> replicas, CancellationToken cancellationToken) =>
        Poll.UntilAsync(_ => Task.FromResult(
                Property(ResourceNames.ReplicaSet, ReplicaSetProperties.Primary) == primary
                && Property(primary, ReplicaSetProperties.Role) == "primary"
                && replicas.All(replica => Property(replica, ReplicaSetProperties.Role) == "replica")),
            SettleTimeout, TimeSpan.FromMilliseconds(250), cancellationToken);

    private string DescribeDashboard() => string.Join("; ",
        new[] { ResourceNames.ReplicaSet }.Concat(graph.Database.Nodes.Select(node => node.Name)).Select(name =>
            $"{name}: {Property(name, ReplicaSetProperties.Primary) ?? Property(name, ReplicaSetProperties.Role) ?? "-"}"));

    private string? Property(string resource, string property) => graph.App.SnapshotOf(resource).PropertyValue(property);
}
