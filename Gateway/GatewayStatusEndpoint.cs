using System.Net;
using Replication.Contracts;

namespace Replication.Gateway;

/// <summary>
/// <c>GET /_status</c>: the gateway's <see cref="GatewayStatus"/>, which the AppHost polls for the dashboard. Internal:
/// it answers loopback callers only, and is not part of the forwarded API.
/// </summary>
internal static class GatewayStatusEndpoint
{
    public static WebApplication MapGatewayStatus(this WebApplication app)
    {
        app.MapGet(ServicePaths.GatewayStatus, (HttpContext context, GatewayStatus status) =>
            context.Connection.RemoteIpAddress is { } caller && IPAddress.IsLoopback(caller)
                ? Results.Json(status.Snapshot, ContractJson.Options)
                : Results.NotFound());
        return app;
    }
}
