namespace Replication.Tests.Kit;

/// <summary>
/// How the suite shares the machine (<c>xunit.runner.json</c>: collections in parallel, two at a time). xunit first
/// runs the collections that allow it side by side, then each collection marked <c>DisableParallelization</c> on its
/// own, one after another. A collection whose scenarios bound their waits by the supervisor's or the gateway's delays
/// (FailoverAfter 3 s, the hedging delay, the attempt timeout) is marked: a build or a load generator beside it would
/// turn those bounds into noise. What runs side by side claims nothing about time (the template's builds and its
/// generated solution, the benchmark's smoke run, whose figures are checked for plausibility only, the graph's
/// shutdown, the graph without replicas, the manifest tests, in-process checks), plus Patroni's graph: it fails over
/// after a 20 s leader lock, its scenarios' bounds are three times that plus 30 s, and what they assert is what was
/// lost, never how fast; it is the longest collection, and mostly waits. The longest start first (<see cref="LongestFirst"/>).
/// (Three at a time was tried: the side-by-side phase ended 70 s sooner, but the template's builds took 298 s instead
/// of 123, the machine's two cores being busy.)
/// </summary>
/// <remarks>
/// This collection takes the tests without a graph that start processes under a short timeout; like a graph's
/// collection, it starts once the previous collection's graph has stopped (<see cref="GraphTeardowns"/>).
/// </remarks>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone : ICollectionFixture<GraphTeardowns.Done>
{
    public const string Name = "Runs alone";
}
