using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

internal static class GatewayEndpointExtensions
{
    public const int DefaultPort = 5080;

    /// <summary>
    /// Pins the gateway's http endpoint to <c>Gateway:Port</c> (default 5080; 0 lets Aspire choose) and
    /// prints the gateway's URL once it is ready, next to the dashboard login URL Aspire prints.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGatewayEndpoint(this IResourceBuilder<ProjectResource> gateway, IConfiguration configuration)
    {
        var port = configuration.GetValue("Gateway:Port", DefaultPort);
        if (port != 0)
        {
            gateway.WithEndpoint("http", endpoint => endpoint.Port = port);
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
