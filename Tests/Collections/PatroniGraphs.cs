namespace Replication.Tests.Kit;

// Side by side with the template and the benchmark (RunsAlone says why Patroni's scenarios can take that).
[CollectionDefinition(PatroniGraph.Name)]
public sealed class PatroniGraphs : ICollectionFixture<PatroniGraph>;
