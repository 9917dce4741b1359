using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// A Patroni node is healthy when its REST API says PostgreSQL runs (<c>GET /health</c>) and it holds a role:
/// the leader lock as primary (<c>GET /primary</c>) or a running replica (<c>GET /replica</c>).
/// </summary>
internal sealed class PatroniNodeHealthCheck(PostgresNode node) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = await PatroniRestApi.GetAsync(node, "/health", cancellationToken);
        if (health is null)
        {
            return HealthCheckResult.Unhealthy("Patroni's REST API does not answer.");
        }

        if (!health.IsSuccess)
        {
            return HealthCheckResult.Unhealthy($"PostgreSQL is not running (Patroni: {StateOf(health)}).");
        }

        if (await PatroniRestApi.GetAsync(node, "/primary", cancellationToken) is { IsSuccess: true })
        {
            return HealthCheckResult.Healthy("Primary: holds the leader lock.");
        }

        return await PatroniRestApi.GetAsync(node, "/replica", cancellationToken) is { IsSuccess: true }
            ? HealthCheckResult.Healthy("Replica: running.")
            : HealthCheckResult.Unhealthy($"Running, but neither the leader nor a replica (Patroni: {StateOf(health)}).");
    }

    private static string StateOf(PatroniAnswer answer)
    {
        try
        {
            using var status = JsonDocument.Parse(answer.Body);
            var root = status.RootElement;
            return $"{(root.TryGetProperty("state", out var state) ? state.GetString() : "unknown")}, " +
                   $"role {(root.TryGetProperty("role", out var role) ? role.GetString() : "unknown")}";
        }
        catch (JsonException)
        {
            return $"HTTP {answer.Status}";
        }
    }
}
