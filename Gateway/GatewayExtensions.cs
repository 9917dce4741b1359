using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Replication.Gateway;

public static class GatewayExtensions
{
    /// <summary>
    /// Registers YARP's forwarder and the gateway's failover: each service's address (service discovery, resolved once
    /// and on change), circuit breaker and attempt timeout, hedging within a budget, and the transport every attempt
    /// goes through. Built here, not as an <c>IHttpClientFactory</c> client, so none of the client defaults that
    /// ServiceDefaults gives every HttpClient (a standard resilience handler that retries POSTs, per-attempt service
    /// discovery, logging scopes) is in the forwarding path.
    /// </summary>
    public static TBuilder AddServiceForwarding<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<GatewayStatus>();
        builder.Services.AddSingleton<GatewayTelemetry>();
        builder.Services.AddSingleton<AddedLatencyMeter>();
        builder.Services.AddSingleton<HedgeBudget>();
        builder.Services.AddSingleton<Failover>();
        builder.Services.AddSingleton<ServiceForwarder>();
        builder.Services.AddSingleton<LoadShedding>();
        builder.Services.AddHttpForwarder();
        builder.Services.AddKeyedSingleton<HttpMessageHandler>(Failover.TransportKey, (_, _) => new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            // Connections are refreshed now and then, so a service that moved is reached at its new address.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        });

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
