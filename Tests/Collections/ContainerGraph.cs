namespace Replication.Tests.Kit;

/// <summary>
/// One container graph (Sync) for every scenario that also runs on containers: they run in sequence on it, each
/// starting from whatever node is primary now and undoing its faults, so the collection boots containers once.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ContainerGraph : ICollectionFixture<ContainerGraphFixture>
{
    public const string Name = "Container graph";
}

/// <summary>A container graph with data volumes, restarted by its scenarios.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DataVolumesGraph : ICollectionFixture<DataVolumesGraphFixture>
{
    public const string Name = "Data volumes graph";
}
