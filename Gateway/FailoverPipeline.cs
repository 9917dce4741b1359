using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace Replication.Gateway;

/// <summary>
/// The gateway's resilience pipeline, one <see cref="ResilienceHandler"/> with the strategies of
/// Microsoft.Extensions.Http.Resilience's standard hedging handler and their HTTP predicates: total timeout → hedging
/// (the primary service first, then the backup, <see cref="HedgedRequest"/>) → each service's own circuit breaker and
/// attempt timeout (<see cref="ServiceCircuits"/>) → service discovery, which resolves each attempt's own service → the
/// attempt's timing (<see cref="UpstreamTiming"/>). YARP's forwarder sends through it (<see cref="ServiceForwarder"/>).
/// </summary>
/// <remarks>
/// Not <c>AddStandardHedgingHandler</c> itself: per request it snapshots every request (parsing all its headers) in
/// case it is hedged, selects the per-service pipeline from a registry on every attempt, runs two handlers with a rate
/// limiter nobody configured, and reports three Polly metrics with enrichment. The pipeline here copies a request only
/// when it is hedged, holds both services' pipelines, and reports what the gateway needs through
/// <see cref="GatewayTelemetry"/> (hedges, circuit states). Measured against YARP in the README (Performance).
/// </remarks>
internal static class FailoverPipeline
{
    public static IHttpClientBuilder AddFailoverPipeline(this IHttpClientBuilder client)
    {
#pragma warning disable EXTEXP0001 // The documented way to drop the pipeline that ConfigureHttpClientDefaults adds; ResilienceHandler runs a pipeline built here.
        client.RemoveAllResilienceHandlers();
        client.AddHttpMessageHandler(services => new ResilienceHandler(Build(services)));
#pragma warning restore EXTEXP0001

        // Service discovery must sit inside the hedging handler: each attempt is routed to its own service name
        // first, then resolved. ConfigureHttpClientDefaults put it outermost, where it would resolve the primary
        // once for every attempt; move it innermost.
        client.ConfigureAdditionalHttpMessageHandlers((handlers, _) =>
        {
            // The resolving handler type is internal to Microsoft.Extensions.ServiceDiscovery; find it by namespace.
            var resolvers = handlers.Where(IsServiceDiscoveryHandler).ToList();
            foreach (var resolver in resolvers)
            {
                handlers.Remove(resolver);
            }

            handlers.Add(resolvers.FirstOrDefault() ?? throw new InvalidOperationException(
                "Service discovery is not registered on the forwarding client; call AddServiceDefaults first."));

            // Below everything the gateway does: the time an attempt spends at its service.
            handlers.Add(new UpstreamTiming.Handler());
        });

        return client;
    }

    public static bool IsServiceDiscoveryHandler(DelegatingHandler handler) =>
        handler.GetType().Namespace == "Microsoft.Extensions.ServiceDiscovery.Http";

    private static ResiliencePipeline<HttpResponseMessage> Build(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var telemetry = services.GetRequiredService<GatewayTelemetry>();

        return new ResiliencePipelineBuilder<HttpResponseMessage> { Name = "gateway-failover" }
            .AddTimeout(new HttpTimeoutStrategyOptions { Name = "total-timeout", Timeout = options.TotalTimeout })
            .AddHedging(new HttpHedgingStrategyOptions
            {
                // Every forwarded write carries an Idempotency-Key, so any method may be hedged: a write that
                // reaches both services is applied once and replayed once.
                MaxHedgedAttempts = 1,
                Delay = options.HedgingDelay,
                ActionGenerator = arguments =>
                {
                    var hedge = HedgedRequest.To(options.BackupService, arguments.PrimaryContext.GetRequestMessage()!);
                    arguments.ActionContext.SetRequestMessage(hedge);
                    return () => arguments.Callback(arguments.ActionContext);
                },
                OnHedging = arguments =>
                {
                    telemetry.RecordHedge(arguments.ActionContext, arguments.AttemptNumber);
                    return default;
                },
            })
            .AddStrategy(
                _ => new ServiceCircuits(
                    options.BackupService.Host,
                    primary: ServicePipeline(options.PrimaryService.Host, options, telemetry),
                    backup: ServicePipeline(options.BackupService.Host, options, telemetry)),
                new ServiceCircuits.Options())
            .Build();
    }

    /// <summary>One service's circuit breaker, then the timeout of one attempt at it.</summary>
    private static ResiliencePipeline<HttpResponseMessage> ServicePipeline(string service, GatewayOptions options, GatewayTelemetry telemetry) =>
        new ResiliencePipelineBuilder<HttpResponseMessage> { Name = $"gateway-{service}" }
            .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                // The library's defaults (100 requests over 30 s) would keep sending to a dead primary for
                // seconds; these open the circuit after a handful of failures.
                MinimumThroughput = 4,
                FailureRatio = 0.5,
                SamplingDuration = options.AttemptTimeout * 2,
                BreakDuration = options.BreakDuration,
                OnOpened = _ => telemetry.RecordCircuitAsync(service, CircuitState.Open),
                OnHalfOpened = _ => telemetry.RecordCircuitAsync(service, CircuitState.HalfOpen),
                OnClosed = _ => telemetry.RecordCircuitAsync(service, CircuitState.Closed),
            })
            .AddTimeout(new HttpTimeoutStrategyOptions { Name = "attempt-timeout", Timeout = options.AttemptTimeout })
            .Build();
}
