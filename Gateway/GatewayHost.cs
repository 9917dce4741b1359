namespace Replication.Gateway;

/// <summary>
/// The whole host of the gateway, so that the AppHost's project, the in-process tests and the benchmark run the same
/// one. Settings come as arguments (<c>--Gateway:HedgingDelay=00:00:00.5</c>, <c>--services:primaryservice:http:0=…</c>,
/// <c>--urls=…</c>), as from any configuration source.
/// </summary>
public static class GatewayHost
{
    /// <param name="args">Command-line configuration.</param>
    /// <param name="configure">Registrations after the gateway's own, e.g. another transport under <see cref="Failover.TransportKey"/>.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);

        builder.AddServiceDefaults();
        builder.AddServiceForwarding();
        configure?.Invoke(builder);

        var app = builder.Build();

        app.MapDefaultEndpoints();
        app.MapForwardedApi();
        app.MapGatewayStatus();

        return app;
    }
}
