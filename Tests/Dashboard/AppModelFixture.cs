namespace Replication.Tests.Dashboard;

/// <summary>
/// The AppHost's model, built once and never started: for checks of its resources and their annotations. The nodes'
/// commands read the set's primary from the snapshot they are shown with, as in the dashboard.
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
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}
