namespace Replication.Tests.Kit;

/// <summary>
/// Tests that only read and write through the API share one graph. Tests that break things
/// (kill, promote) get a collection, and a graph, of their own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SharedGraph : ICollectionFixture<GraphFixture>
{
    public const string Name = "Shared graph";
}
