namespace Replication.Tests.Kit;

// xunit finds collection definitions only in the test assembly; the fixtures themselves are in the kit.
[CollectionDefinition(SyncDurabilityGraph.Name, DisableParallelization = true)]
public sealed class SyncDurabilityGraphs : ICollectionFixture<SyncDurabilityGraph>;

[CollectionDefinition(DelayedReplicasGraph.Name, DisableParallelization = true)]
public sealed class DelayedReplicasGraphs : ICollectionFixture<DelayedReplicasGraph>;

// One read and one write, nothing timed: side by side with the template and the benchmark.
[CollectionDefinition(NoReplicasGraph.Name)]
public sealed class NoReplicasGraphs : ICollectionFixture<NoReplicasGraph>;
