using Microsoft.Extensions.Configuration;
using Replication.Gateway;

namespace Replication.Tests.GatewayFailover;

/// <summary>The gateway's settings in a booted graph, so that a test's limits follow what the graph was configured with.</summary>
internal static class GatewaySettings
{
    /// <summary>The gateway's defaults, overridden by the AppHost's <c>Gateway:*</c> keys (which the AppHost hands to the gateway).</summary>
    public static GatewayOptions Of(DistributedApplication app)
    {
        var options = new GatewayOptions();
        app.Services.GetRequiredService<IConfiguration>().GetSection(GatewayConfiguration.SectionName).Bind(options);
        return options;
    }
}
