namespace Replication.Tests.Kit;

/// <summary>
/// A graph for scenarios that kill, hang or fail the services. Each scenario repairs what it broke,
/// so the scenarios of the collection can share the graph.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ServiceFaultsGraph : ICollectionFixture<GraphFixture>
{
    public const string Name = "Service faults";
}
