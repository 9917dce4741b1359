using Replication.Tests.Kit;

namespace Replication.Tests.ContainerRuntime;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostFirewallScenarios : ICollectionFixture<GraphTeardowns.Done>
{
    public const string Name = "Host firewall";
}

/// <summary>
/// The container tests on a host a Docker engine ran on before: its FORWARD policy is DROP, and br_netfilter sends the
/// traffic between containers through it. The private engine's own ACCEPT rule keeps its containers talking; without
/// that rule, the kit says in one line that the firewall is the likely cause, instead of waiting minutes for a graph.
/// </summary>
[Collection(HostFirewallScenarios.Name)]
public sealed class HostFirewallTests
{
    [Fact]
    public async Task WithTheForwardPolicyAtDropTheContainerGraphAndTheManifestDeploymentStillWork()
    {
        var image = await ImageOrSkipAsync();
        var cancellationToken = TestContext.Current.CancellationToken;
        using var polluted = HostFirewall.LikeAStoppedDockerEngine();
        Assert.Equal("DROP", HostFirewall.ForwardPolicy());
        Assert.Null(await ContainerNetwork.ProblemAsync(image));

        var graph = new ContainerGraphFixture();
        try
        {
            await graph.InitializeAsync();
            await graph.Gateway.CreateUserAsync("Behind a firewall", cancellationToken);
            var primary = await graph.Database.FindPrimaryAsync(cancellationToken);
            await graph.Database.WaitForStandbysAsync(primary, graph.Database.Nodes.Select(node => node.Name).Where(name => name != primary), TimeSpan.FromMinutes(1), cancellationToken);
        }
        finally
        {
            await graph.StopAsync();
        }

        await ManifestDeployTests.DeployAndWriteAsync(image, cancellationToken);
    }

    [Fact]
    public async Task WithoutTheEnginesAcceptRuleTheKitNamesTheFirewallAtOnce()
    {
        var image = await ImageOrSkipAsync();
        using var polluted = HostFirewall.LikeAStoppedDockerEngine();
        var (removed, restore) = HostFirewall.WithoutTheEnginesRules();
        using (restore)
        {
            Assert.SkipWhen(removed == 0, "The engine here is not one .ci/docker-engine.sh started (it has no ACCEPT rule of its own to take away).");
            var problem = await ContainerNetwork.ProblemAsync(image);
            Assert.NotNull(problem);
            Assert.Contains("FORWARD chain's policy is DROP", problem, StringComparison.Ordinal);
        }
    }

    private static async Task<string> ImageOrSkipAsync()
    {
        var unavailable = await ContainerEngine.UnavailableBecauseAsync() ?? HostFirewall.UnavailableBecause();
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        return await OfflinePostgresImage.ReferenceAsync();
    }
}
