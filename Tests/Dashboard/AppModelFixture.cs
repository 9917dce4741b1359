namespace Replication.Tests.Dashboard;

/// <summary>The AppHost's model, built once and never started: for checks of its resources and their annotations.</summary>
public sealed class AppModelFixture : IAsyncLifetime
{
    public DistributedApplication App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Replication_AppHost>(
            ["--Gateway:Port=0"], TestContext.Current.CancellationToken);
        App = await builder.BuildAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}
