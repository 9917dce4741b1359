using Microsoft.Extensions.Configuration;
using Replication.Tests.Kit;

namespace Replication.Tests.GatewayFailover;

/// <summary>
/// The gateway resolves each service's address once, not per attempt; so it must follow service discovery when the
/// address changes. Here the configuration that service discovery reads moves primaryservice to another server.
/// </summary>
public sealed class ServiceAddressTests
{
    [Fact]
    public async Task WhenServiceDiscoveryMovesThePrimary_TheGatewayFollows()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var primaryKey = $"services:{ResourceNames.PrimaryService}:http:0";
        IConfigurationRoot? configuration = null;
        await using var services = await LoopbackServices.StartGatewayAsync([], builder => configuration = builder.Configuration);
        var first = await services.StartServiceAsync(ResourceNames.PrimaryService);
        var moved = await services.StartServiceAsync("primaryservice-moved");
        var backup = await services.StartServiceAsync(ResourceNames.BackupService);
        configuration![primaryKey] = first.ToString();
        configuration[$"services:{ResourceNames.BackupService}:http:0"] = backup.ToString();
        configuration.Reload();

        using (var response = await services.Gateway.GetAsync("/users/1", cancellationToken))
        {
            Assert.Equal(ResourceNames.PrimaryService, response.Header(ReplicationHeaders.ServedBy));
        }

        configuration[primaryKey] = moved.ToString();
        configuration.Reload();

        await Poll.UntilOrThrowAsync(async token =>
        {
            using var response = await services.Gateway.GetAsync("/users/1", token);
            return response.Header(ReplicationHeaders.ServedBy) == "primaryservice-moved";
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50), "the gateway to send to primaryservice's new address", cancellationToken);
        for (var i = 0; i < 5; i++)
        {
            using var response = await services.Gateway.GetAsync("/users/1", cancellationToken);
            Assert.Equal("primaryservice-moved", response.Header(ReplicationHeaders.ServedBy));
        }
    }
}
