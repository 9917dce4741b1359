using Replication.Tests.Kit;

namespace Replication.Tests.DatabaseFailover;

[Collection(SyncDurabilityGraph.Name)]
public sealed class SyncDurabilityFailoverTests(SyncDurabilityGraph graph)
{
    [Fact]
    public async Task PrimaryKilledUnderWrites_NoAcknowledgedWriteIsLost_WritesResume_TheOtherReplicaFollows()
    {
        var cancellationToken = TestContext.Current.CancellationToken;

        var result = await DatabaseFailoverScenario.KillPrimaryUnderWritesAsync(graph, cancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine($"Sync: {result}");

        Assert.True(result.Writes.Lost == 0, $"Acknowledged writes were lost with synchronous replication: {result}");
        Assert.True(result.AcknowledgedAfterKill > 0, $"Writes did not resume through the promoted replica: {result}");
        var survivors = graph.Database.Nodes.Select(node => node.Name).Where(name => name != "pg-0" && name != result.NewPrimary);
        await graph.Database.WaitForStandbysAsync(result.NewPrimary, survivors, TimeSpan.FromSeconds(30), cancellationToken);
    }
}

[Collection(AsyncDurabilityGraph.Name)]
public sealed class AsyncDurabilityFailoverTests(AsyncDurabilityGraph graph)
{
    [Fact]
    public async Task PrimaryKilledUnderWrites_WritesResume_LossesAreReported_AndTheOldPrimaryRejoinsAsAReplica()
    {
        var cancellationToken = TestContext.Current.CancellationToken;

        var result = await DatabaseFailoverScenario.KillPrimaryUnderWritesAsync(graph, cancellationToken);
        // Asynchronous replication may lose the last acknowledged writes; the figure is reported, not asserted.
        TestContext.Current.TestOutputHelper?.WriteLine($"Async: {result}");
        Assert.True(result.AcknowledgedAfterKill > 0, $"Writes did not resume through the promoted replica: {result}");

        await graph.Database.RejoinAsync("pg-0", cancellationToken);

        Assert.True(await graph.Database.IsInRecoveryAsync("pg-0", cancellationToken), "pg-0 came back as a primary.");
        await graph.Database.WaitForStandbysAsync(result.NewPrimary, ["pg-0"], TimeSpan.FromSeconds(30), cancellationToken);
    }
}
