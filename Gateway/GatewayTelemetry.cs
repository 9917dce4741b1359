using System.Diagnostics.Metrics;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Replication.Contracts;

namespace Replication.Gateway;

/// <summary>
/// The gateway's OpenTelemetry metrics (meter <see cref="MeterNames.Gateway"/>) and failover log events:
/// responses per service, hedges, responses the backup served, and each service's circuit state.
/// </summary>
public sealed class GatewayTelemetry
{
    // Boxed once: a response's status tag allocates nothing.
    private static readonly object[] BoxedStatusCodes = [.. Enumerable.Range(0, 600).Select(code => (object)code)];

    private readonly GatewayStatus status;
    private readonly Counter<long> responses;
    private readonly Counter<long> hedges;
    private readonly Counter<long> backupResponses;
    private readonly ILogger<GatewayTelemetry> logger;

    private readonly string primaryService;

    public GatewayTelemetry(IMeterFactory meterFactory, IOptions<GatewayOptions> options, GatewayStatus status, ILogger<GatewayTelemetry> logger)
    {
        this.logger = logger;
        this.status = status;
        primaryService = options.Value.PrimaryService.Host;
        var meter = meterFactory.Create(MeterNames.Gateway);
        responses = meter.CreateCounter<long>("gateway.responses", description: "Responses forwarded to clients, by the service that produced them.");
        hedges = meter.CreateCounter<long>("gateway.hedges", description: "Requests also sent to the backup because the primary was slow or failed.");
        backupResponses = meter.CreateCounter<long>("gateway.backup_responses", description: "Responses served by the backup instead of the primary.");
        meter.CreateObservableGauge("gateway.circuit.state",
            () => status.Circuits.Select(circuit => new Measurement<int>((int)circuit.Value, new KeyValuePair<string, object?>("service", circuit.Key))),
            description: "Each service's circuit, as Polly numbers its states: 0 closed, 1 open, 2 half-open, 3 isolated.");
    }

    public void RecordResponse(string? servedBy, int statusCode)
    {
        status.OnResponse(servedBy, statusCode);
        responses.Add(1, new KeyValuePair<string, object?>("service", servedBy ?? "none"), new KeyValuePair<string, object?>("status", BoxedStatus(statusCode)));
        if (servedBy is not null && servedBy != primaryService)
        {
            backupResponses.Add(1, new KeyValuePair<string, object?>("service", servedBy));
        }
    }

    private static object BoxedStatus(int statusCode) => (uint)statusCode < BoxedStatusCodes.Length ? BoxedStatusCodes[statusCode] : statusCode;

    public void RecordHedge(ResilienceContext context, int attemptNumber)
    {
        var request = context.GetRequestMessage();
        hedges.Add(1);
        status.OnHedge();
        logger.LogDebug("Hedging {Method} {Path}: attempt {Attempt} goes to the next service",
            request?.Method, request?.RequestUri?.AbsolutePath, attemptNumber + 1);
    }

    public ValueTask RecordCircuitAsync(string service, CircuitState state)
    {
        status.OnCircuit(service, state);
        logger.Log(state == CircuitState.Open ? LogLevel.Warning : LogLevel.Information,
            "Circuit for {Service} is now {State}", service, state);
        return default;
    }
}
