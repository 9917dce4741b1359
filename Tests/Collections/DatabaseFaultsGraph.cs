namespace Replication.Tests.Kit;

/// <summary>A graph for scenarios that kill or promote PostgreSQL nodes.</summary>
[CollectionDefinition(Name)]
public sealed class DatabaseFaultsGraph : ICollectionFixture<GraphFixture>
{
    public const string Name = "Database faults";
}
