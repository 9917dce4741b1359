using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Polls the gateway's internal <c>/_status</c> endpoint and publishes the active service and each circuit's state as
/// the gateway resource's dashboard properties (<see cref="GatewayProperties"/>), when they change.
/// </summary>
internal sealed class GatewayStatusMonitor(
    ProjectResource gateway,
    ResourceNotificationService notifications,
    IHttpClientFactory httpClients,
    ILogger<GatewayStatusMonitor> logger) : BackgroundService
{
    /// <summary>The gateway's status endpoint (<c>Extensions.StatusEndpointPath</c> in ServiceDefaults, which the AppHost does not reference).</summary>
    public const string StatusPath = "/_status";

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var client = httpClients.CreateClient(nameof(GatewayStatusMonitor));
        client.Timeout = TimeSpan.FromSeconds(2);
        GatewayStatusResponse? published = null;
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (!notifications.IsRunning(gateway) || await ReadAsync(client, stoppingToken) is not { } status || status.SameAs(published))
            {
                continue;
            }

            await notifications.PublishUpdateAsync(gateway, snapshot =>
            {
                var properties = snapshot.Properties
                    .With(GatewayProperties.ActiveService, status.ActiveService)
                    .With(GatewayProperties.Failovers, status.Failovers)
                    .With(GatewayProperties.LastSwitch, status.LastSwitch);
                foreach (var (service, state) in status.Circuits)
                {
                    properties = properties.With(GatewayProperties.Circuit(service), state);
                }

                return snapshot with { Properties = properties };
            });
            published = status;
        }
    }

    private async Task<GatewayStatusResponse?> ReadAsync(HttpClient client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetFromJsonAsync<GatewayStatusResponse>(new Uri(new Uri(gateway.GetEndpoint("http").Url), StatusPath), cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException
                                          && !cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug("Could not read the gateway's status: {Message}", exception.Message);
            return null;
        }
    }

    private sealed record GatewayStatusResponse(string ActiveService, Dictionary<string, string> Circuits, long Failovers, string? LastSwitch)
    {
        public bool SameAs(GatewayStatusResponse? other) =>
            other is not null && ActiveService == other.ActiveService && Failovers == other.Failovers && LastSwitch == other.LastSwitch
            && Circuits.Count == other.Circuits.Count && Circuits.All(circuit => other.Circuits.GetValueOrDefault(circuit.Key) == circuit.Value);
    }
}

public static class GatewayStatusExtensions
{
    /// <summary>Shows the gateway's active service and circuit states as dashboard properties, updated live.</summary>
    public static IResourceBuilder<ProjectResource> WithGatewayStatus(this IResourceBuilder<ProjectResource> gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        gateway.ApplicationBuilder.Services.AddHttpClient();
        gateway.ApplicationBuilder.Services.AddHostedService(services => new GatewayStatusMonitor(
            gateway.Resource,
            services.GetRequiredService<ResourceNotificationService>(),
            services.GetRequiredService<IHttpClientFactory>(),
            services.GetRequiredService<ILogger<GatewayStatusMonitor>>()));
        return gateway;
    }
}
