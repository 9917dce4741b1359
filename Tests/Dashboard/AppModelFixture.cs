namespace Replication.Tests.Dashboard;

/// <summary>
/// The AppHost's model, built once and never started: for checks of its resources and their annotations. The nodes'
/// commands read the set's primary from the snapshot they are shown with, as in the dashboard.
/// </summary>
public class AppModelFixture : IAsyncLifetime
{
    public DistributedApplication App { get; private set; } = null!;

    protected virtual string[] Arguments => ["--Gateway:Port=0", "--Postgres:Runtime=Process"];

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Replication_AppHost>(
            Arguments, cancellationToken);
        App = await builder.BuildAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The app model under Patroni (nothing is started, so Patroni need not be installed).</summary>
public sealed class PatroniAppModelFixture : AppModelFixture
{
    protected override string[] Arguments => [.. base.Arguments, "--Postgres:HaManager=Patroni"];
}
