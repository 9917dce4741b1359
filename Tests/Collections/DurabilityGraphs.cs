namespace Replication.Tests.Kit;

// xunit finds collection definitions only in the test assembly; the fixtures themselves are in the kit.
[CollectionDefinition(SyncDurabilityGraph.Name)]
public sealed class SyncDurabilityGraphs : ICollectionFixture<SyncDurabilityGraph>;

[CollectionDefinition(AsyncDurabilityGraph.Name)]
public sealed class AsyncDurabilityGraphs : ICollectionFixture<AsyncDurabilityGraph>;

[CollectionDefinition(DelayedReplicasGraph.Name)]
public sealed class DelayedReplicasGraphs : ICollectionFixture<DelayedReplicasGraph>;

[CollectionDefinition(NoReplicasGraph.Name)]
public sealed class NoReplicasGraphs : ICollectionFixture<NoReplicasGraph>;
