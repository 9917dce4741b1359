namespace Replication.Tests.Kit;

// Alone: beside the template's and the benchmark's builds, a killed primary was not replaced within 90 s in a
// clean-clone CI run (every later scenario then found no primary), though it passed twice side by side before.
[CollectionDefinition(PatroniGraph.Name, DisableParallelization = true)]
public sealed class PatroniGraphs : ICollectionFixture<PatroniGraph>;
