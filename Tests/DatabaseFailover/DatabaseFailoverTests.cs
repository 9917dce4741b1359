using Replication.Tests.Kit;

namespace Replication.Tests.DatabaseFailover;

/// <summary>
/// The durability promise with <c>Sync</c>: the primary killed under writes, a replica promoted, writes resumed, not one
/// acknowledged write lost; and the fenced former primary, started again, never comes back as a second primary.
/// </summary>
public abstract class SyncDurabilityFailoverScenarios<TGraph>(TGraph graph) : GraphScenarios<TGraph>(graph)
    where TGraph : GraphFixture
{
    [Fact]
    public async Task PrimaryKilledUnderWrites_NoAcknowledgedWriteIsLost_WritesResume_TheOtherReplicaFollows_TheFormerPrimaryStartsAsAReplica()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await GraphRepair.RestoreAsync(Graph, cancellationToken: cancellationToken);
        var primary = await Graph.Database.FindPrimaryAsync(cancellationToken);
        var syncStates = await Graph.Database.SyncStatesAsync(primary, cancellationToken);
        Assert.True(syncStates.Count > 0 && syncStates.Values.All(state => state is "quorum" or "sync"),
            $"Replication from {primary} is not synchronous: {string.Join(", ", syncStates.Select(s => $"{s.Key}={s.Value}"))}");

        var result = await DatabaseFailoverScenario.KillPrimaryUnderWritesAsync(Graph, cancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine($"Sync: {result}");
        try
        {
            Assert.True(result.AcknowledgedBeforeKill > 0, $"No write was acknowledged before the kill, so nothing was at stake: {result}");
            Assert.True(result.Writes.Lost == 0, $"Acknowledged writes were lost with synchronous replication: {result}");
            Assert.True(result.AcknowledgedAfterKill > 0, $"Writes did not resume through the promoted replica: {result}");
            var survivors = Graph.Database.Nodes.Select(node => node.Name).Where(name => name != result.FormerPrimary && name != result.NewPrimary);
            await Graph.Database.WaitForStandbysAsync(result.NewPrimary, survivors, TimeSpan.FromSeconds(30), cancellationToken);

            // Started again as it is (no Rejoin): the fenced former primary must not accept writes beside the new one.
            await Graph.App.ResourceCommands.ExecuteCommandAsync(result.FormerPrimary, KnownResourceCommands.StartCommand, cancellationToken);
            Assert.True(await Graph.Database.WaitUntilAnswersAsync(result.FormerPrimary, TimeSpan.FromMinutes(2), cancellationToken),
                $"{result.FormerPrimary} did not start again.");
            Assert.True(await Graph.Database.IsInRecoveryAsync(result.FormerPrimary, cancellationToken), $"{result.FormerPrimary} came back as a second primary.");
            Assert.Equal([result.NewPrimary], await Graph.Database.WritableNodesAsync(cancellationToken));
        }
        finally
        {
            // A fenced node may have diverged from the new primary's history: Rejoin makes it a replica of it again.
            await Graph.Database.RejoinAsync(result.FormerPrimary, cancellationToken);
        }

        await Graph.Database.WaitForStandbysAsync(result.NewPrimary, [result.FormerPrimary], TimeSpan.FromSeconds(60), cancellationToken);
        await GraphRepair.RestoreAsync(Graph, cancellationToken: cancellationToken);
    }
}

[Collection(SyncDurabilityGraph.Name)]
public sealed class SyncDurabilityFailoverTests(SyncDurabilityGraph graph) : SyncDurabilityFailoverScenarios<SyncDurabilityGraph>(graph);

[Collection(ContainerGraph.Name)]
public sealed class SyncDurabilityFailoverOnContainersTests(ContainerGraphFixture graph) : SyncDurabilityFailoverScenarios<ContainerGraphFixture>(graph);

// The default graph is Async.
[Collection(ServiceFaultsGraph.Name)]
public sealed class AsyncDurabilityFailoverTests(GraphFixture graph)
{
    [Fact]
    public async Task PrimaryKilledUnderWrites_WritesResume_LossesAreReported_AndTheOldPrimaryRejoinsAsAReplica()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await GraphRepair.RestoreAsync(graph, cancellationToken: cancellationToken);

        var result = await DatabaseFailoverScenario.KillPrimaryUnderWritesAsync(graph, cancellationToken);
        // Asynchronous replication may lose the last acknowledged writes; the figure is reported, not asserted.
        TestContext.Current.TestOutputHelper?.WriteLine($"Async: {result}");
        Assert.True(result.AcknowledgedAfterKill > 0, $"Writes did not resume through the promoted replica: {result}");

        await graph.Database.RejoinAsync(result.FormerPrimary, cancellationToken);

        Assert.True(await graph.Database.IsInRecoveryAsync(result.FormerPrimary, cancellationToken), $"{result.FormerPrimary} came back as a primary.");
        await graph.Database.WaitForStandbysAsync(result.NewPrimary, [result.FormerPrimary], TimeSpan.FromSeconds(30), cancellationToken);
    }
}
