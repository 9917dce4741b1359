using Replication.Hosting.PostgresReplicaSet;

namespace Replication.Tests.Dashboard;

/// <summary>
/// The AppHost's model, built once and never started: for checks of its resources and their annotations. Its set's
/// primary is pg-0, as the AppHost finds it when pg-0 is the node that says it accepts writes.
/// </summary>
public sealed class AppModelFixture : IAsyncLifetime
{
    public DistributedApplication App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Replication_AppHost>(
            ["--Gateway:Port=0", "--Postgres:Runtime=Process"], cancellationToken);
        App = await builder.BuildAsync(cancellationToken);

        var replicaSet = App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<PostgresReplicaSetResource>().Single();
        var found = await ((SupervisorHaManager)replicaSet.HaManager).Failover.DiscoverAsync(new ReplicaSetContext(replicaSet, App.Services),
            new Dictionary<PostgresNode, NodeObservation> { [replicaSet.InitialPrimary] = new(NodeObservation.Primary, "0/3000000", null, [], Timeline: 1) },
            cancellationToken);
        Assert.True(found);
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}
