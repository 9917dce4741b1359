namespace Replication.Tests.Kit;

/// <summary>
/// How the suite shares the machine (<c>xunit.runner.json</c>: collections in parallel, two at a time). xunit first runs
/// the collections that allow it side by side, then each collection marked <c>DisableParallelization</c> on its own,
/// one after another. Every collection that boots a graph is marked: its scenarios bound their waits by the graph's
/// configured delays (FailoverAfter, the hedging delay, the attempt timeout, Patroni's ttl), and a build or a load
/// generator beside them would turn those bounds into noise. What runs side by side claims nothing about time: the
/// template's builds and its generated solution, the benchmark's smoke run (its figures are checked for plausibility
/// only), the graph's shutdown, the manifest tests, and in-process checks.
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
