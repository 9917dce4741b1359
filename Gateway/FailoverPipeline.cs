using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace Replication.Gateway;

/// <summary>
/// The gateway's resilience pipeline, built from Microsoft.Extensions.Http.Resilience's standard hedging handler:
/// total timeout → hedging over ordered groups (primaryservice, then backupservice) → per-service
/// circuit breaker → attempt timeout → service discovery, which resolves each attempt's own service → the attempt's
/// timing (<see cref="UpstreamTiming"/>). YARP's forwarder sends through it (<see cref="ServiceForwarder"/>).
/// </summary>
internal static class FailoverPipeline
{
    public static IHttpClientBuilder AddFailoverPipeline(this IHttpClientBuilder client)
    {
#pragma warning disable EXTEXP0001 // The documented way to drop the pipeline that ConfigureHttpClientDefaults adds.
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        client.AddStandardHedgingHandler(routing => routing.ConfigureOrderedGroups((groups, services) =>
            {
                var options = services.GetRequiredService<IOptions<GatewayOptions>>().Value;
                groups.Groups.Add(new UriEndpointGroup { Endpoints = { new WeightedUriEndpoint { Uri = options.PrimaryService } } });
                groups.Groups.Add(new UriEndpointGroup { Endpoints = { new WeightedUriEndpoint { Uri = options.BackupService } } });
            }))
            .SelectPipelineByAuthority()
            .Configure((resilience, services) =>
            {
                var options = services.GetRequiredService<IOptions<GatewayOptions>>().Value;
                var telemetry = services.GetRequiredService<GatewayTelemetry>();

                resilience.TotalRequestTimeout.Timeout = options.TotalTimeout;

                // Every forwarded write carries an Idempotency-Key, so any method may be hedged: a write that
                // reaches both services is applied once and replayed once.
                resilience.Hedging.MaxHedgedAttempts = 1;
                resilience.Hedging.Delay = options.HedgingDelay;
                resilience.Hedging.OnHedging = arguments =>
                {
                    telemetry.RecordHedge(arguments.ActionContext, arguments.AttemptNumber);
                    return default;
                };

                resilience.Endpoint.Timeout.Timeout = options.AttemptTimeout;

                // The library's defaults (100 requests over 30 s) would keep sending to a dead primary for
                // seconds; these open the circuit after a handful of failures.
                var breaker = resilience.Endpoint.CircuitBreaker;
                breaker.MinimumThroughput = 4;
                breaker.FailureRatio = 0.5;
                breaker.SamplingDuration = options.AttemptTimeout * 2;
                breaker.BreakDuration = options.BreakDuration;
                breaker.OnOpened = arguments => telemetry.RecordCircuitAsync(arguments.Context, CircuitState.Open);
                breaker.OnHalfOpened = arguments => telemetry.RecordCircuitAsync(arguments.Context, CircuitState.HalfOpen);
                breaker.OnClosed = arguments => telemetry.RecordCircuitAsync(arguments.Context, CircuitState.Closed);
            });

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
}
