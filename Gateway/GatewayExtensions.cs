namespace Replication.Gateway;

public static class GatewayExtensions
{
    /// <summary>Registers YARP's forwarder, the forwarding client and its failover pipeline.</summary>
    public static TBuilder AddServiceForwarding<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName);
        builder.Services.AddSingleton<GatewayStatus>();
        builder.Services.AddSingleton<GatewayTelemetry>();
        builder.Services.AddSingleton<AddedLatencyMeter>();
        builder.Services.AddSingleton<ServiceForwarder>();
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton<LoadShedding>();

        builder.Services.AddHttpClient(ServiceForwarder.ClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                ConnectTimeout = TimeSpan.FromSeconds(2),
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            })
            // One pipeline for the gateway's life (ServiceForwarder holds it); the connection lifetime above refreshes connections.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // Per-request "Start processing HTTP request" scopes and events: the forwarder's telemetry covers them.
            .RemoveAllLoggers()
            .AddFailoverPipeline();

        return builder;
    }

    /// <summary>Forwards the public API (<c>/users</c>). Service-internal routes, such as fault hooks, stay internal.</summary>
    public static WebApplication MapForwardedApi(this WebApplication app)
    {
        RequestDelegate forward = app.Services.GetRequiredService<ServiceForwarder>().ForwardAsync;
        app.Map("/users", forward);
        app.Map("/users/{**rest}", forward);
        return app;
    }
}
