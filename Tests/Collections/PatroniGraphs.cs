namespace Replication.Tests.Kit;

// Side by side with the template and the benchmark (RunsAlone says why Patroni's scenarios can take that). A CI run once
// lost a primary here: killed while Patroni's /sync key named no standby, which no replica may then replace
// (PrimaryNodeKilledWhileNoStandbyIsSynchronous); the scenarios now fault the primary only with a standby named.
[CollectionDefinition(PatroniGraph.Name)]
public sealed class PatroniGraphs : ICollectionFixture<PatroniGraph>;

// Side by side with the others, as Patroni's process graph: its scenarios wait out a 20 s leader lock, and claim what was lost, not how fast.
[CollectionDefinition(PatroniOnContainersGraph.Name)]
public sealed class PatroniOnContainersGraphs : ICollectionFixture<PatroniOnContainersGraph>;
