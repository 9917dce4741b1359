using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Replication.Gateway;

public static class GatewayExtensions
{
    /// <summary>Registers the forwarding client: service discovery resolves <c>primaryservice</c> on every attempt.</summary>
    public static TBuilder AddServiceForwarding<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName);
        builder.Services.AddSingleton<ServiceForwarder>();

        var client = builder.Services.AddHttpClient(ServiceForwarder.ClientName, (services, client) =>
            {
                client.BaseAddress = new Uri(services.GetRequiredService<IOptions<GatewayOptions>>().Value.PrimaryService);
                // Attempts carry their own timeout; the client-wide one only guards against a pipeline bug.
                client.Timeout = TimeSpan.FromMinutes(1);
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                ConnectTimeout = TimeSpan.FromSeconds(2),
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            });

#pragma warning disable EXTEXP0001 // The documented way to replace the pipeline that ConfigureHttpClientDefaults adds.
        // The default pipeline retries POSTs, which a gateway must never do without an idempotency key.
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        client.AddResilienceHandler("forward", (pipeline, context) =>
                pipeline.AddTimeout(context.ServiceProvider.GetRequiredService<IOptions<GatewayOptions>>().Value.AttemptTimeout));

        return builder;
    }

    /// <summary>Forwards every route except the gateway's own health endpoints.</summary>
    public static WebApplication MapForwardedApi(this WebApplication app)
    {
        app.Map("/{**path}", (HttpContext context, ServiceForwarder forwarder) => forwarder.ForwardAsync(context));
        return app;
    }
}
