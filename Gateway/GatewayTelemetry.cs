using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Replication.Contracts;

namespace Replication.Gateway;

/// <summary>
/// The gateway's OpenTelemetry metrics (meter <see cref="MeterNames.Gateway"/>) and failover log events: responses per
/// service, hedges, hedges the budget refused, attempts that timed out, responses the backup served, and each service's circuit state. It counts;
/// <see cref="GatewayStatus"/> decides what the gateway is doing.
/// </summary>
public sealed partial class GatewayTelemetry
{
    // Boxed once: a response's status tag allocates nothing.
    private static readonly object[] BoxedStatusCodes = [.. Enumerable.Range(0, 600).Select(code => (object)code)];

    private readonly GatewayStatus status;
    private readonly Counter<long> responses;
    private readonly Counter<long> hedges;
    private readonly Counter<long> backupResponses;
    private readonly Counter<long> hedgesRejected;
    private readonly Counter<long> attemptTimeouts;
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
        hedgesRejected = meter.CreateCounter<long>("gateway.hedge_budget.rejections",
            description: "Hedges the hedge budget refused: the primary was slower than the hedging delay, and the hedges of the last seconds had used up their share of the traffic.");
        attemptTimeouts = meter.CreateCounter<long>("gateway.attempt_timeouts",
            description: "Attempts at a service that ran into the attempt timeout, by service: each kept a client waiting that long.");
        backupResponses = meter.CreateCounter<long>("gateway.backup_responses", description: "Responses served by the backup instead of the primary.");
        meter.CreateObservableGauge("gateway.circuit.state",
            () => status.Circuits.Select(circuit => new Measurement<int>((int)circuit.Value, new KeyValuePair<string, object?>("service", circuit.Key))),
            description: "Each service's circuit, as Polly numbers its states: 0 closed, 1 open, 2 half-open, 3 isolated.");
    }

    public void CountResponse(string? servedBy, int statusCode)
    {
        responses.Add(1, new KeyValuePair<string, object?>("service", servedBy ?? "none"), new KeyValuePair<string, object?>("status", BoxedStatus(statusCode)));
        if (servedBy is not null && servedBy != primaryService)
        {
            backupResponses.Add(1, new KeyValuePair<string, object?>("service", servedBy));
        }
    }

    private static object BoxedStatus(int statusCode) => (uint)statusCode < BoxedStatusCodes.Length ? BoxedStatusCodes[statusCode] : statusCode;

    /// <param name="request">The request sent to the backup too.</param>
    /// <param name="primaryFailed">Whether the primary failed (true) or was only slower than the hedging delay.</param>
    public void RecordHedge(HttpRequestMessage request, bool primaryFailed)
    {
        hedges.Add(1, new KeyValuePair<string, object?>("reason", primaryFailed ? "failed" : "slow"));
        LogHedge(logger, request.Method, request.RequestUri?.AbsolutePath, primaryFailed ? "failed" : "was slow");
    }

    public void RecordHedgeRejected() => hedgesRejected.Add(1);

    public ValueTask RecordAttemptTimeoutAsync(string service)
    {
        status.OnAttemptTimeout();
        attemptTimeouts.Add(1, new KeyValuePair<string, object?>("service", service));
        return default;
    }

    public ValueTask RecordCircuitAsync(string service, CircuitState state)
    {
        status.OnCircuit(service, state);
        if (state == CircuitState.Open)
        {
            LogCircuitOpened(logger, service);
        }
        else
        {
            LogCircuitChanged(logger, service, state);
        }

        return default;
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Hedging {Method} {Path}: the primary {Reason}, the backup gets it too")]
    private static partial void LogHedge(ILogger logger, HttpMethod method, string? path, string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Circuit for {Service} is now Open")]
    private static partial void LogCircuitOpened(ILogger logger, string service);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Circuit for {Service} is now {State}")]
    private static partial void LogCircuitChanged(ILogger logger, string service, CircuitState state);
}
