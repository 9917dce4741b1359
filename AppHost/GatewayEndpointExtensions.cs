using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

internal static class GatewayEndpointExtensions
{
    public const int DefaultPort = 5080;

    /// <summary>
    /// Pins the gateway's http endpoint to <c>Gateway:Port</c> (default 5080; 0 lets Aspire choose), passes the other
    /// <c>Gateway:*</c> keys to the gateway, and prints its URL once it is ready, next to Aspire's dashboard login URL.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGatewayEndpoint(this IResourceBuilder<ProjectResource> gateway, IConfiguration configuration)
    {
        var section = configuration.GetSection("Gateway");
        var port = section.GetValue("Port", DefaultPort);
        if (port != 0)
        {
            gateway.WithEndpoint("http", endpoint => endpoint.Port = port);
        }

        // The rest of the section (HedgingDelay, AttemptTimeout, …) configures the gateway process itself.
        foreach (var setting in section.GetChildren().Where(child => child.Key != "Port" && child.Value is not null))
        {
            gateway.WithEnvironment($"Gateway__{setting.Key}", setting.Value);
        }

        return gateway.OnResourceReady((resource, readyEvent, _) =>
        {
            var url = resource.GetEndpoint("http").Url;
            readyEvent.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Replication")
                .LogInformation("Gateway ready at {GatewayUrl} (try {GatewayUrl}/users)", url, url);
            return Task.CompletedTask;
        });
    }
}
