using Replication.Tests.Kit;

namespace Replication.Tests.DatabaseFailover;

[Collection(SyncDurabilityGraph.Name)]
public sealed class SyncDurabilityFailoverTests(SyncDurabilityGraph graph)
{
    [Fact]
    public async Task PrimaryKilledUnderWrites_NoAcknowledgedWriteIsLost_WritesResume_TheOtherReplicasFollow()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await GraphRepair.RestoreAsync(graph, cancellationToken: cancellationToken);
        var primary = await graph.Database.FindPrimaryAsync(cancellationToken);
        var syncStates = await graph.Database.SyncStatesAsync(primary, cancellationToken);
        Assert.True(syncStates.Count > 0 && syncStates.Values.All(state => state is "quorum" or "sync"),
            $"Replication from {primary} is not synchronous: {string.Join(", ", syncStates.Select(s => $"{s.Key}={s.Value}"))}");

        var result = await DatabaseFailoverScenario.KillPrimaryUnderWritesAsync(graph, cancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine($"Sync: {result}");

        Assert.True(result.AcknowledgedBeforeKill > 0, $"No write was acknowledged before the kill, so nothing was at stake: {result}");
        Assert.True(result.Writes.Errored == 0, $"Acknowledged writes could not be read back: {result}");
        Assert.True(result.Writes.Lost == 0, $"Acknowledged writes were lost with synchronous replication: {result}");
        Assert.True(result.AcknowledgedAfterKill > 0, $"Writes did not resume through the promoted replica: {result}");
        var survivors = graph.Database.Nodes.Select(node => node.Name).Where(name => name != result.FormerPrimary && name != result.NewPrimary);
        await graph.Database.WaitForStandbysAsync(result.NewPrimary, survivors, TimeSpan.FromSeconds(30), cancellationToken);
        await GraphRepair.RestoreAsync(graph, cancellationToken: cancellationToken);
    }
}

[Collection(AsyncDurabilityGraph.Name)]
public sealed class AsyncDurabilityFailoverTests(AsyncDurabilityGraph graph)
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
