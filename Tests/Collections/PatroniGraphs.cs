namespace Replication.Tests.Kit;

[CollectionDefinition(PatroniGraph.Name)]
public sealed class PatroniGraphs : ICollectionFixture<PatroniGraph>;
