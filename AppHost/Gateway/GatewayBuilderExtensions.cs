using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Replication.Contracts;

namespace Replication.AppHost;

/// <summary>The gateway project's endpoint, settings and live dashboard status.</summary>
public static class GatewayBuilderExtensions
{
    /// <summary>The gateway's host port when <c>Gateway:Port</c> is not set.</summary>
    public const int DefaultPort = 5080;

    /// <summary>
    /// Pins the gateway's http endpoint to <c>Gateway:Port</c> (default 5080; 0 lets Aspire choose), passes the other
    /// <c>Gateway:*</c> keys to the gateway, and prints its URL once it is ready, next to Aspire's dashboard login URL.
    /// </summary>
    /// <param name="gateway">The gateway project.</param>
    /// <param name="configuration">The AppHost's configuration, whose <c>Gateway</c> section is read.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<ProjectResource> WithGatewayEndpoint(this IResourceBuilder<ProjectResource> gateway, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(GatewayConfiguration.SectionName);
        var port = section.GetValue(GatewayConfiguration.PortKey, DefaultPort);
        if (port != 0)
        {
            gateway.WithEndpoint("http", endpoint => endpoint.Port = port);
        }

        // The rest of the section (HedgingDelay, AttemptTimeout, …) configures the gateway process itself.
        foreach (var setting in section.GetChildren().Where(child => child.Key != GatewayConfiguration.PortKey && child.Value is not null))
        {
            gateway.WithEnvironment(GatewayConfiguration.EnvironmentVariable(setting.Key), setting.Value);
        }

        return gateway.OnResourceReady((resource, readyEvent, _) =>
        {
            var url = resource.GetEndpoint("http").Url;
            readyEvent.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Replication")
                .LogInformation("Gateway ready at {GatewayUrl} (try {GatewayUrl}/users)", url, url);
            return Task.CompletedTask;
        });
    }

    /// <summary>Shows the gateway's active service and circuit states as dashboard properties, updated live.</summary>
    /// <param name="gateway">The gateway project, which serves <see cref="ServicePaths.GatewayStatus"/>.</param>
    /// <returns>The same builder.</returns>
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
