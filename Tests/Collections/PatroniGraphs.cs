namespace Replication.Tests.Kit;

[CollectionDefinition(PatroniGraph.Name, DisableParallelization = true)]
public sealed class PatroniGraphs : ICollectionFixture<PatroniGraph>;
