using Replication.Tests.Kit;

namespace Replication.Tests.ContainerRuntime;

/// <summary>
/// The whole graph on the container runtime. It needs a container engine, so it runs only where one answers,
/// and is skipped, with the reason, everywhere else (this project's CI machines have none).
/// </summary>
[Collection(nameof(ContainerGraphTests))]
[Trait("Requires", "ContainerEngine")]
public sealed class ContainerGraphTests
{
    [Fact]
    public async Task TheGraphBootsOnContainersAndItsReplicasStream()
    {
        Assert.SkipUnless(await ContainerEngine.AnswersAsync(),
            $"No container engine answers '{ContainerEngine.Configured} info' on this machine; the container runtime is checked here on the app model, the manifest and the entrypoint script only.");
        var cancellationToken = TestContext.Current.CancellationToken;

        await using var graph = new ContainerGraph();
        await graph.InitializeAsync();

        Assert.Equal("pg-0", await graph.Database.FindPrimaryAsync(cancellationToken));
        await graph.Database.WaitForStandbysAsync("pg-0", ["pg-1", "pg-2"], TimeSpan.FromMinutes(1), cancellationToken);
        var created = await graph.Gateway.CreateUserAsync(cancellationToken: cancellationToken);
        using var read = await graph.Gateway.GetAsync($"/users/{created.Id}", cancellationToken);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    private sealed class ContainerGraph : GraphFixture
    {
        protected override IEnumerable<string> Arguments => ["--Postgres:Runtime=Container"];
    }
}
