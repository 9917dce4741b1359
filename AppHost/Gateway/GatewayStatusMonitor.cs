using System.Net.Http.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Replication.Contracts;

namespace Replication.AppHost;

/// <summary>
/// Polls the gateway's internal <see cref="ServicePaths.GatewayStatus"/> endpoint and publishes the active service and each circuit's state as
/// the gateway resource's dashboard properties (<see cref="GatewayProperties"/>), when they change.
/// </summary>
internal sealed class GatewayStatusMonitor(
    ProjectResource gateway,
    ResourceNotificationService notifications,
    IHttpClientFactory httpClients,
    ILogger<GatewayStatusMonitor> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var client = httpClients.CreateClient(nameof(GatewayStatusMonitor));
        client.Timeout = TimeSpan.FromSeconds(2);
        GatewayStatusSnapshot? published = null;
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (!notifications.IsRunning(gateway) || await ReadAsync(client, stoppingToken) is not { } status || SameAs(status, published))
            {
                continue;
            }

            await notifications.PublishUpdateAsync(gateway, snapshot =>
            {
                var properties = snapshot.Properties
                    .WithProperty(GatewayProperties.ActiveService, status.ActiveService)
                    .WithProperty(GatewayProperties.Failovers, status.Failovers)
                    .WithProperty(GatewayProperties.LastSwitch, status.LastSwitch)
                    .WithProperty(GatewayProperties.Hedges, status.Hedges)
                    .WithProperty(GatewayProperties.HedgesRejected, status.HedgesRejected)
                    .WithProperty(GatewayProperties.Retries, status.Retries)
                    .WithProperty(GatewayProperties.AttemptTimeouts, status.AttemptTimeouts);
                foreach (var (service, state) in status.Circuits)
                {
                    properties = properties.WithProperty(GatewayProperties.Circuit(service), state);
                }

                return snapshot with { Properties = properties };
            });
            published = status;
        }
    }

    private async Task<GatewayStatusSnapshot?> ReadAsync(HttpClient client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetFromJsonAsync<GatewayStatusSnapshot>(
                new Uri(new Uri(gateway.GetEndpoint("http").Url), ServicePaths.GatewayStatus), ContractJson.Options, cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException
                                          && !cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug("Could not read the gateway's status: {Message}", exception.Message);
            return null;
        }
    }

    private static bool SameAs(GatewayStatusSnapshot status, GatewayStatusSnapshot? other) =>
        other is not null && status.ActiveService == other.ActiveService && status.Failovers == other.Failovers && status.LastSwitch == other.LastSwitch
        && status.Hedges == other.Hedges && status.HedgesRejected == other.HedgesRejected && status.Retries == other.Retries
        && status.AttemptTimeouts == other.AttemptTimeouts
        && status.Circuits.Count == other.Circuits.Count && status.Circuits.All(circuit => other.Circuits.GetValueOrDefault(circuit.Key) == circuit.Value);
}
