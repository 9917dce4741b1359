namespace Replication.Tests.Kit;

/// <summary>
/// The default graph (two replicas, Async) for scenarios that kill, hang or fail the services, or kill, freeze or
/// promote PostgreSQL nodes. Each scenario repairs what an earlier one broke before it starts (services and circuits,
/// or the whole set) and starts from whatever node is primary now, so they share one boot.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServiceFaultsGraph : ICollectionFixture<GraphFixture>
{
    public const string Name = "Faults";
}
