namespace Replication.Tests.Kit;

/// <summary>
/// Scenarios written once and run on several graphs: derive an abstract <c>XxxScenarios&lt;TGraph&gt;</c> from this, then
/// one sealed class per collection (e.g. the process graph and the container graph). A graph that cannot boot on this
/// machine (no container engine) skips its scenarios, with the reason.
/// </summary>
public abstract class GraphScenarios<TGraph>(TGraph graph) : IAsyncLifetime
    where TGraph : GraphFixture
{
    protected TGraph Graph { get; } = graph;

    /// <summary>The running test's cancellation (its time limit).</summary>
    protected static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <summary>Writes a line to the running test's output, as nemeses and repairs log.</summary>
    protected static Action<string> Output => line => TestContext.Current.TestOutputHelper?.WriteLine(line);

    /// <summary>
    /// The graph repaired to one primary with every standby following it; returns that primary and a standby, the one a
    /// test may promote behind the HA manager's back (<see cref="PromoteBehindTheHaManagersBackAsync"/>).
    /// </summary>
    protected async Task<(string Primary, string Standby)> RestoredPrimaryAndAStandbyAsync()
    {
        await GraphRepair.RestoreAsync(Graph, Output, CancellationToken);
        var primary = await Graph.Database.FindPrimaryAsync(CancellationToken);
        return (primary, Graph.Database.Nodes.Select(node => node.Name).First(name => name != primary));
    }

    /// <summary>Promotes a standby with <c>pg_promote</c> while the primary lives: a second writable node.</summary>
    protected async Task PromoteBehindTheHaManagersBackAsync(string standby) =>
        Assert.True(await Graph.Database.QueryAsync<bool>(standby, "SELECT pg_promote(wait => true)", CancellationToken), $"{standby} did not promote.");

    public virtual ValueTask InitializeAsync()
    {
        Graph.SkipUnlessBooted();
        return ValueTask.CompletedTask;
    }

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
