using Microsoft.Extensions.Diagnostics.HealthChecks;
using Replication.Tests.Kit;

namespace Replication.Tests.Foundation;

[Collection(SharedGraph.Name)]
public sealed class GraphStartupTests(GraphFixture graph)
{
    [Theory]
    [InlineData("pg-0")]
    [InlineData("pg-1")]
    [InlineData("pg-2")]
    [InlineData("usersdb")]
    [InlineData("primaryservice")]
    [InlineData("backupservice")]
    [InlineData("gateway")]
    public void ResourceIsRunningAndHealthy(string resourceName)
    {
        Assert.True(graph.App.ResourceNotifications.TryGetCurrentState(resourceName, out var state), $"{resourceName} is not in the graph.");
        Assert.Equal(KnownResourceStates.Running, state.Snapshot.State?.Text);
        Assert.Equal(HealthStatus.Healthy, state.Snapshot.HealthStatus);
    }

    [Fact]
    public async Task GatewayAnswersItsHealthEndpoint()
    {
        using var response = await graph.Gateway.GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void OnlyTheGatewayIsExternal()
    {
        var external = graph.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .OfType<IResourceWithEndpoints>()
            .Where(resource => resource.Annotations.OfType<EndpointAnnotation>().Any(endpoint => endpoint.IsExternal))
            .Select(resource => resource.Name);
        Assert.Equal(["gateway"], external);
    }

    [Fact]
    public async Task EveryNodeShowsItsRoleInTheDashboard()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        foreach (var (node, role) in new[] { ("pg-0", "primary"), ("pg-1", "replica"), ("pg-2", "replica") })
        {
            await graph.App.ResourceNotifications.WaitForResourceAsync(node,
                resourceEvent => resourceEvent.Snapshot.Properties.Any(p => p.Name == ReplicaSetProperties.Role && Equals(p.Value, role)),
                cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
    }
}
