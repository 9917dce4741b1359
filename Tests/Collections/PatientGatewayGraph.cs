namespace Replication.Tests.Kit;

/// <summary>
/// A gateway that gives each attempt 30 s and each request a minute, for the overload test: it is about the gateway's
/// limiter, and a busy machine's slowness at the services must not turn into the gateway's own 503 there.
/// </summary>
public sealed class PatientGatewayGraph : GraphFixture
{
    public const string Name = "Patient gateway";

    protected override IEnumerable<string> GraphArguments => ["--Gateway:AttemptTimeout=00:00:30", "--Gateway:TotalTimeout=00:01:00"];
}

[CollectionDefinition(PatientGatewayGraph.Name, DisableParallelization = true)]
public sealed class PatientGatewayGraphs : ICollectionFixture<PatientGatewayGraph>;
