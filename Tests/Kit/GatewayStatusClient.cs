using System.Net.Http.Json;

namespace Replication.Tests.Kit;

/// <summary>The gateway's own view of the services (<see cref="ServicePaths.GatewayStatus"/>, loopback callers only).</summary>
public static class GatewayStatusClient
{
    /// <summary>The service that answered last and each service's circuit state, right now.</summary>
    public static async Task<GatewayStatusSnapshot> GetGatewayStatusAsync(this HttpClient gateway, CancellationToken cancellationToken = default) =>
        await gateway.GetFromJsonAsync<GatewayStatusSnapshot>(ServicePaths.GatewayStatus, ContractJson.Options, cancellationToken)
        ?? throw new InvalidOperationException($"{ServicePaths.GatewayStatus} answered null.");
}
