using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Replication.Gateway;

/// <summary>
/// <c>GET /_status</c>: the gateway's <see cref="GatewayStatus"/>, which the AppHost polls for the dashboard. Internal:
/// it answers loopback callers only, and is not part of the forwarded API.
/// </summary>
internal static class GatewayStatusEndpoint
{
    public const string Path = Extensions.StatusEndpointPath;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static WebApplication MapGatewayStatus(this WebApplication app)
    {
        app.MapGet(Path, (HttpContext context, GatewayStatus status) =>
            context.Connection.RemoteIpAddress is { } caller && IPAddress.IsLoopback(caller)
                ? Results.Json(status.Snapshot, Json)
                : Results.NotFound());
        return app;
    }
}
