using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Replication.Contracts;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Cross-cutting defaults every service in the graph opts into with one call:
/// OpenTelemetry, health endpoints, service discovery and resilient HTTP clients.
/// </summary>
public static class Extensions
{
    /// <summary>Meters exported next to the framework's: the graph's own, and Polly's (for HttpClients with the default resilience handler).</summary>
    public static readonly string[] ReplicationMeters = [MeterNames.Gateway, "Polly"];

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.AddProblemDetails();

        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(ReplicationMeters))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource("Npgsql")
                .AddAspNetCoreInstrumentation(options =>
                    options.Filter = context =>
                        // Probes and the AppHost's status polling would bury the requests worth tracing.
                        !context.Request.Path.StartsWithSegments(ServicePaths.Health)
                        && !context.Request.Path.StartsWithSegments(ServicePaths.Alive)
                        && !context.Request.Path.StartsWithSegments(ServicePaths.GatewayStatus))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);

        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (ready: every check) and <c>/alive</c> (live: only the "live" checks).
    /// They are mapped in every environment, because the gateway and the tests rely on them.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Unhandled exceptions and empty 4xx/5xx responses (405, unmatched routes) become problem+json.
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        app.MapHealthChecks(ServicePaths.Health);
        app.MapHealthChecks(ServicePaths.Alive, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains("live"),
        });

        return app;
    }
}
