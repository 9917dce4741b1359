using Microsoft.Extensions.Options;

namespace Replication.Gateway;

public static class GatewayExtensions
{
    /// <summary>Registers the forwarding client and its failover pipeline.</summary>
    public static TBuilder AddServiceForwarding<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName);
        builder.Services.AddSingleton<GatewayStatus>();
        builder.Services.AddSingleton<GatewayTelemetry>();
        builder.Services.AddSingleton<ServiceForwarder>();
        builder.Services.AddLoadShedding();

        builder.Services.AddHttpClient(ServiceForwarder.ClientName, (services, client) =>
            {
                client.BaseAddress = services.GetRequiredService<IOptions<GatewayOptions>>().Value.PrimaryService;
                // The pipeline's total timeout governs; this only guards against a pipeline bug.
                client.Timeout = TimeSpan.FromMinutes(1);
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                ConnectTimeout = TimeSpan.FromSeconds(2),
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            })
            .AddFailoverPipeline();

        return builder;
    }

    /// <summary>Forwards the public API (<c>/users</c>). Service-internal routes, such as fault hooks, stay internal.</summary>
    public static WebApplication MapForwardedApi(this WebApplication app)
    {
        app.UseRateLimiter();
        var forward = (HttpContext context, ServiceForwarder forwarder) => forwarder.ForwardAsync(context);
        app.Map("/users", forward).RequireRateLimiting(LoadShedding.PolicyName);
        app.Map("/users/{**rest}", forward).RequireRateLimiting(LoadShedding.PolicyName);
        return app;
    }
}
