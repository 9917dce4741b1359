using Replication.Tests.Kit;

namespace Replication.Tests.Durability;

/// <summary>
/// The repair's split-brain check, and its negative control: on a graph whose supervisor moves nothing by itself, a
/// standby promoted behind its back (pg_promote) while the primary lives stays writable, and the repair must refuse the
/// two with the nodes' report instead of rejoining one of them away.
/// </summary>
[Collection(DelayedReplicasGraph.Name)]
public sealed class SplitBrainReportTests(DelayedReplicasGraph graph) : GraphScenarios<DelayedReplicasGraph>(graph)
{
    [Fact]
    public async Task AStandbyPromotedWhereNoHaManagerActs_IsReportedAsASplitBrain_NotRepairedAway()
    {
        var (primary, rogue) = await RestoredPrimaryAndAStandbyAsync();
        try
        {
            await PromoteBehindTheHaManagersBackAsync(rogue);

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => GraphRepair.RestoreAsync(Graph, Output, CancellationToken));
            Output(error.Message);
            Assert.StartsWith("Split brain: 2 nodes accept writes", error.Message, StringComparison.Ordinal);
            Assert.Contains(rogue, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            // Put the set back: the rogue node killed, then rejoined to the primary by the repair (a rewind or a new copy).
            await Graph.Database.KillAsync(rogue, CancellationToken);
            await GraphRepair.RestoreAsync(Graph, Output, CancellationToken);
        }

        Assert.Equal([primary], await Graph.Database.WritableNodesAsync(CancellationToken));
    }
}
