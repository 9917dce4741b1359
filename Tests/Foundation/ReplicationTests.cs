using System.Net.Http.Json;
using Replication.Tests.Kit;

namespace Replication.Tests.Foundation;

/// <summary>The set replicates: every replica streams from the primary through its slot, and serves the reads.</summary>
public abstract class ReplicationScenarios<TGraph>(TGraph graph) : GraphScenarios<TGraph>(graph)
    where TGraph : GraphFixture
{
    [Fact]
    public async Task EveryReplicaIsStreamingFromThePrimary()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (primary, replicas) = await RolesAsync(cancellationToken);

        await Graph.Database.WaitForStandbysAsync(primary, replicas, TimeSpan.FromSeconds(30), cancellationToken);
        foreach (var replica in replicas)
        {
            Assert.True(await Graph.Database.IsInRecoveryAsync(replica, cancellationToken), $"{replica} should be in recovery (a standby).");
        }
    }

    [Fact]
    public async Task EachReplicaStreamsThroughItsOwnSlotAsTheReplicationRole()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (primary, replicas) = await RolesAsync(cancellationToken);
        var activeSlots = await Graph.Database.QueryAsync<string>(primary,
            "SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots WHERE active AND slot_type = 'physical'",
            cancellationToken);
        Assert.Equal(string.Join(',', replicas.Select(replica => replica.Replace('-', '_'))), activeSlots);

        var streamingRoles = await Graph.Database.QueryAsync<string>(primary,
            "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_replication", cancellationToken);
        Assert.Equal("replicator", streamingRoles);
    }

    [Fact]
    public async Task UserCreatedThroughTheGatewayIsReadableThroughTheGatewayAndOnEveryReplica()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (_, replicas) = await RolesAsync(cancellationToken);
        using var write = await Graph.Gateway.PostUserAsync("Grace Hopper", UsersApiClient.UniqueEmail(), cancellationToken: cancellationToken);
        Assert.Equal(HttpStatusCode.Created, write.StatusCode);
        var created = (await write.Content.ReadFromJsonAsync<UserResponse>(cancellationToken))!;

        // Replicas are asynchronous: right after the write only its consistency token promises that a read sees it.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/users/{created.Id}");
        request.Headers.Add(ReplicationHeaders.ConsistencyToken, write.Header(ReplicationHeaders.ConsistencyToken));
        using var read = await Graph.Gateway.SendAsync(request, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Contains("Grace Hopper", await read.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);

        foreach (var replica in replicas)
        {
            Assert.True(await Graph.Database.WaitForUserAsync(replica, created.Id, TimeSpan.FromSeconds(10), cancellationToken: cancellationToken),
                $"User {created.Id} was not replayed on {replica} within 10 s.");
        }
    }

    [Fact]
    public async Task ReadsAreServedByReplicas()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (_, replicas) = await RolesAsync(cancellationToken);
        var readFrom = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await Graph.Gateway.GetAsync("/users?limit=1", cancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            readFrom.Add(response.Header(ReplicationHeaders.ReadFrom) ?? "(none)");
        }

        Assert.All(readFrom, node => Assert.Contains(node, replicas));
    }

    /// <summary>The primary now (pg-0 on a fresh graph, another node after a failover), and every other node.</summary>
    private async Task<(string Primary, IReadOnlyList<string> Replicas)> RolesAsync(CancellationToken cancellationToken)
    {
        var primary = await Graph.Database.FindPrimaryAsync(cancellationToken);
        var replicas = Graph.Database.Nodes.Select(node => node.Name).Where(name => name != primary).Order().ToList();
        Assert.Equal(2, replicas.Count);
        return (primary, replicas);
    }
}

[Collection(SharedGraph.Name)]
public sealed class ReplicationTests(GraphFixture graph) : ReplicationScenarios<GraphFixture>(graph)
{
    // initdb once per machine: whichever run initialised the cache, every run's initial primary is a copy of it.
    [Fact]
    public async Task TheInitialPrimaryIsACopyOfTheMachinesCachedCluster_WithThisRunsSuperuserPassword()
    {
        var init = Graph.RecentLogs("pg-0-init");
        Assert.True(init.Any(line => line.Contains("Copied the cached cluster", StringComparison.Ordinal)),
            $"pg-0-init did not copy the cached cluster:\n{string.Join('\n', init)}");

        // The cache's cluster holds a throwaway password; the probe connects as the superuser with this run's.
        var primary = await Graph.Database.FindPrimaryAsync(TestContext.Current.CancellationToken);
        Assert.Equal("postgres", await Graph.Database.QueryAsync<string>(primary, "SELECT current_user", TestContext.Current.CancellationToken));
    }

    // StartProjectsFromBuildOutput: the process Aspire started for each project is the project's program itself.
    [Theory]
    [InlineData(ResourceNames.PrimaryService, "PrimaryService")]
    [InlineData(ResourceNames.BackupService, "BackupService")]
    [InlineData(ResourceNames.Gateway, "Gateway")]
    public void EachProjectRunsFromItsBuildOutput_WithNoDotnetRunInFront(string resource, string project)
    {
        var started = GraphProcesses.ProcessIdOf(Graph.App, resource) ?? throw new InvalidOperationException($"{resource} has no process.");
        var commandLine = Replication.Processes.ProcessTree.CommandLine(started);
        Assert.Matches($@"^dotnet \S+/{project}/bin/\w+/net\d+\.\d+/Replication\.{project}\.dll( |$)", commandLine);
    }
}

[Collection(ContainerGraph.Name)]
public sealed class ReplicationOnContainersTests(ContainerGraphFixture graph) : ReplicationScenarios<ContainerGraphFixture>(graph);
