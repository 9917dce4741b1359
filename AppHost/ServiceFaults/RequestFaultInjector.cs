using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using Replication.Contracts;

namespace Replication.AppHost;

/// <summary>
/// Faults of the services' own requests, through the fault hook each service maps with ServiceDefaults
/// (<see cref="ServicePaths.FaultHook"/>, a Polly chaos strategy inside the service): a share of requests answers an
/// error, or every request waits first. The one implementation behind the services' dashboard commands and this app's
/// tests. The faults in force show on the service as <see cref="RequestFaultsProperty"/>. Crashes and freezes of the
/// services' processes are the integration's (<see cref="ResourceFaultCommands"/>), as for any resource.
/// </summary>
public sealed class RequestFaultInjector(DistributedApplicationModel model, ResourceNotificationService notifications, IHttpClientFactory httpClients)
{
    /// <summary>Dashboard property of a service that fails or delays requests on purpose: how; absent otherwise.</summary>
    public const string RequestFaultsProperty = "faults.requests";

    private static readonly TimeSpan HookTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, string> inForce = new();

    /// <summary>Makes <paramref name="rate"/> (0..1) of the service's requests answer <paramref name="status"/>.</summary>
    /// <param name="serviceName">The service.</param>
    /// <param name="rate">The share of requests that fail, 0 to 1.</param>
    /// <param name="status">The status they get.</param>
    /// <param name="cancellationToken">Cancels the call to the hook.</param>
    /// <returns>Once the service has taken the setting.</returns>
    public async Task FailRequestsAsync(string serviceName, double rate, int status = 500, CancellationToken cancellationToken = default)
    {
        await SendToHookAsync(serviceName, HttpMethod.Put, new FaultHookRequest(ErrorRate: rate, ErrorStatus: status), cancellationToken);
        await PublishAsync(serviceName, string.Create(CultureInfo.InvariantCulture, $"{rate:P0} of requests answer {status}"));
    }

    /// <summary>Makes every request to the service wait <paramref name="latency"/> first (an in-process hang).</summary>
    /// <param name="serviceName">The service.</param>
    /// <param name="latency">How long each request waits.</param>
    /// <param name="cancellationToken">Cancels the call to the hook.</param>
    /// <returns>Once the service has taken the setting.</returns>
    public async Task DelayRequestsAsync(string serviceName, TimeSpan latency, CancellationToken cancellationToken = default)
    {
        await SendToHookAsync(serviceName, HttpMethod.Put, new FaultHookRequest(LatencyMilliseconds: (int)latency.TotalMilliseconds), cancellationToken);
        await PublishAsync(serviceName, string.Create(CultureInfo.InvariantCulture, $"every request waits {latency.TotalMilliseconds:0} ms"));
    }

    /// <summary>Stops failing or delaying the service's requests.</summary>
    /// <param name="serviceName">The service.</param>
    /// <param name="cancellationToken">Cancels the call to the hook.</param>
    /// <returns>Once the service answers without injected faults.</returns>
    public async Task ClearAsync(string serviceName, CancellationToken cancellationToken = default)
    {
        await SendToHookAsync(serviceName, HttpMethod.Delete, null, cancellationToken);
        await PublishAsync(serviceName, null);
    }

    /// <summary>Whether a request fault is in force on the service.</summary>
    /// <param name="serviceName">The service.</param>
    /// <returns>True while it fails or delays requests on purpose.</returns>
    public bool IsInForce(string serviceName) => inForce.ContainsKey(serviceName);

    private async Task SendToHookAsync(string serviceName, HttpMethod method, FaultHookRequest? body, CancellationToken cancellationToken)
    {
        var service = model.Resources.OfType<IResourceWithEndpoints>().Single(r => r.Name == serviceName);
        using var request = new HttpRequestMessage(method, new Uri(new Uri(service.GetEndpoint("http").Url), ServicePaths.FaultHook))
        {
            Content = body is null ? null : JsonContent.Create(body, options: ContractJson.Options),
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HookTimeout);
        using var client = httpClients.CreateClient(nameof(RequestFaultInjector));
        using var response = await client.SendAsync(request, timeout.Token);
        response.EnsureSuccessStatusCode();
    }

    private Task PublishAsync(string serviceName, string? description)
    {
        if (description is null)
        {
            inForce.TryRemove(serviceName, out _);
        }
        else
        {
            inForce[serviceName] = description;
        }

        return notifications.PublishUpdateAsync(model.Resources.Single(r => r.Name == serviceName), snapshot => snapshot with
        {
            Properties = snapshot.Properties.WithProperty(RequestFaultsProperty, description),
        });
    }
}
