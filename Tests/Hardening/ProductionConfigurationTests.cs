using Replication.Tests.Kit;

namespace Replication.Tests.Hardening;

/// <summary>The fault-injection hook must not exist in Production, whatever the configuration says.</summary>
[Collection(SharedGraph.Name)]
public sealed class ProductionConfigurationTests(GraphFixture graph)
{
    [Theory]
    [InlineData("false")]
    [InlineData("true")] // asking for the hook does not bring it back in Production
    public async Task InProductionTheFaultHookAnswers404(string faultInjectionEnabled)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var port = BuiltProjects.FreePort();
        var project = graph.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .OfType<ProjectResource>().Single(resource => resource.Name == "primaryservice");
        var assembly = BuiltProjects.AssemblyOf(project.GetProjectMetadata().ProjectPath);

        await using var service = BackgroundCommand.Start(new CommandLine("dotnet", [assembly])
        {
            Environment = new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["ConnectionStrings__usersdb"] = await graph.App.GetConnectionStringAsync("usersdb", cancellationToken),
                ["FaultInjection__Enabled"] = faultInjectionEnabled,
            },
        });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await WaitUntilAliveAsync(client, service, cancellationToken);

        using var get = await client.GetAsync("/_faults", cancellationToken);
        using var put = await client.PutAsync("/_faults", new StringContent("""{"errorRate":1}""", System.Text.Encoding.UTF8, "application/json"), cancellationToken);
        using var users = await client.GetAsync("/users?limit=1", cancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, users.StatusCode); // the service itself works in Production
    }

    private static async Task WaitUntilAliveAsync(HttpClient client, BackgroundCommand service, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(service.HasExited, $"The service exited:\n{string.Join('\n', service.RecentOutput)}");
            try
            {
                using var alive = await client.GetAsync("/alive", cancellationToken);
                if (alive.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200, cancellationToken);
        }

        Assert.Fail("The Production service did not start within 60 s.");
    }
}
