using System.Net.Http.Json;
using Replication.Tests.Kit;

namespace Replication.Tests.Foundation;

[Collection(SharedGraph.Name)]
public sealed class ReplicationTests(GraphFixture graph)
{
    [Fact]
    public async Task EveryReplicaIsStreamingFromThePrimary()
    {
        var cancellationToken = TestContext.Current.CancellationToken;

        Assert.False(await graph.Database.IsInRecoveryAsync("pg-0", cancellationToken), "pg-0 should be the primary.");
        Assert.Equal(["pg-1", "pg-2"], await graph.Database.StreamingStandbysAsync("pg-0", cancellationToken));
        foreach (var replica in new[] { "pg-1", "pg-2" })
        {
            Assert.True(await graph.Database.IsInRecoveryAsync(replica, cancellationToken), $"{replica} should be in recovery (a standby).");
        }
    }

    [Fact]
    public async Task EachReplicaStreamsThroughItsOwnSlotAsTheReplicationRole()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var activeSlots = await graph.Database.QueryAsync<string>("pg-0",
            "SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots WHERE active AND slot_type = 'physical'",
            cancellationToken);
        Assert.Equal("pg_1,pg_2", activeSlots);

        var streamingRoles = await graph.Database.QueryAsync<string>("pg-0",
            "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_replication", cancellationToken);
        Assert.Equal("replicator", streamingRoles);
    }

    [Fact]
    public async Task UserCreatedThroughTheGatewayIsReadableThroughTheGatewayAndOnEveryReplica()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var write = await graph.Gateway.PostUserAsync("Grace Hopper", UsersApiClient.UniqueEmail(), cancellationToken: cancellationToken);
        Assert.Equal(HttpStatusCode.Created, write.StatusCode);
        var created = (await write.Content.ReadFromJsonAsync<UserResponse>(cancellationToken))!;

        // Replicas are asynchronous: right after the write only its consistency token promises that a read sees it.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/users/{created.Id}");
        request.Headers.Add(ReplicationHeaders.ConsistencyToken, write.Header(ReplicationHeaders.ConsistencyToken));
        using var read = await graph.Gateway.SendAsync(request, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Contains("Grace Hopper", await read.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);

        foreach (var replica in new[] { "pg-1", "pg-2" })
        {
            Assert.True(await graph.Database.WaitForUserAsync(replica, created.Id, TimeSpan.FromSeconds(10), cancellationToken: cancellationToken),
                $"User {created.Id} was not replayed on {replica} within 10 s.");
        }
    }

    [Fact]
    public async Task ReadsAreServedByReplicas()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var readFrom = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await graph.Gateway.GetAsync("/users?limit=1", cancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            readFrom.Add(response.Header("X-Read-From") ?? "(none)");
        }

        Assert.All(readFrom, node => Assert.Contains(node, new[] { "pg-1", "pg-2" }));
    }
}
