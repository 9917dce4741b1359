using Xunit.Sdk;
using Xunit.v3;

[assembly: TestCollectionOrderer(typeof(Replication.Tests.Kit.LongestFirst))]

namespace Replication.Tests.Kit;

/// <summary>
/// Starts the longest collections first, so that the two running side by side end close together (the greedy
/// longest-first schedule). xunit's default order is random: a run that started the template's builds last kept one
/// thread idle for two minutes while they ran alone. The other collections keep xunit's order, after these.
/// </summary>
public sealed class LongestFirst : ITestCollectionOrderer
{
    // From CI runs (seconds, boot included): Patroni on containers 640, Patroni on processes 430, the benchmark's smoke run
    // 170, the template 125. The last two by name: a solution made from the template has neither.
    private static readonly string[] Longest = [PatroniOnContainersGraph.Name, PatroniGraph.Name, "BenchmarkSmokeTests", "Template"];

    public IReadOnlyCollection<TTestCollection> OrderTestCollections<TTestCollection>(IReadOnlyCollection<TTestCollection> testCollections)
        where TTestCollection : ITestCollection =>
        [.. DefaultTestCollectionOrderer.Instance.OrderTestCollections(testCollections).OrderBy(collection => RankOf(collection.TestCollectionDisplayName))];

    private static int RankOf(string collection) => Array.IndexOf(Longest, collection) is var rank and >= 0 ? rank : Longest.Length;
}
