using System.Net.Http.Json;
using Replication.Tests.Kit;

namespace Replication.Tests.Foundation;

/// <summary><c>Postgres:Replicas=0</c> is a supported size: the graph boots and serves from the primary alone.</summary>
[Collection(NoReplicasGraph.Name)]
public sealed class NoReplicasTests(NoReplicasGraph graph)
{
    [Fact]
    public async Task TheGraphServesWritesAndReadsFromThePrimaryAlone()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        Assert.False(graph.App.ResourceNotifications.TryGetCurrentState("pg-1", out _), "Replicas=0 still created pg-1.");

        var created = await graph.Gateway.CreateUserAsync("Solo", cancellationToken);
        using var read = await graph.Gateway.GetAsync($"/users/{created.Id}", cancellationToken);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(created, await read.Content.ReadFromJsonAsync<UserResponse>(cancellationToken));
        Assert.Equal("pg-0", read.Header("X-Read-From"));
    }
}
