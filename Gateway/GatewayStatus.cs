using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Replication.Contracts;

namespace Replication.Gateway;

/// <summary>
/// The gateway's failover state: the service that answers (from each response's <c>X-Served-By</c>), each service's
/// circuit (from the circuit breakers' callbacks), and how many hedges were sent and refused by the budget. Logs each
/// switch between services as a structured event, and is served to the AppHost's dashboard at
/// <see cref="ServicePaths.GatewayStatus"/>.
/// </summary>
public sealed partial class GatewayStatus
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, CircuitState> circuits;
    private readonly string primaryService;
    private readonly ILogger<GatewayStatus> logger;
    private string activeService;
    private int failedAttemptsAtPrimary;
    private long failovers;
    private long hedges;
    private long retries;
    private long hedgesRejected;
    private long attemptTimeouts;
    private string? lastSwitch;

    public GatewayStatus(IOptions<GatewayOptions> options, ILogger<GatewayStatus> logger)
    {
        this.logger = logger;
        primaryService = options.Value.PrimaryService.Host;
        activeService = primaryService;
        circuits = new Dictionary<string, CircuitState>
        {
            [primaryService] = CircuitState.Closed,
            [options.Value.BackupService.Host] = CircuitState.Closed,
        };
    }

    public GatewayStatusSnapshot Snapshot
    {
        get
        {
            lock (gate)
            {
                return new GatewayStatusSnapshot(
                    activeService, circuits.ToDictionary(circuit => circuit.Key, circuit => circuit.Value.ToString()), failovers, lastSwitch,
                    Interlocked.Read(ref hedges), Interlocked.Read(ref hedgesRejected), Interlocked.Read(ref retries),
                    Interlocked.Read(ref attemptTimeouts));
            }
        }
    }

    /// <summary>Each service's circuit state, by service name.</summary>
    public IReadOnlyDictionary<string, CircuitState> Circuits
    {
        get
        {
            lock (gate)
            {
                return circuits.ToDictionary();
            }
        }
    }

    public void OnCircuit(string service, CircuitState state)
    {
        lock (gate)
        {
            circuits[service] = state;
        }
    }

    /// <summary>A hedge means the attempt before it (at the primary, or at an open circuit) failed or was too slow.</summary>
    /// <param name="primaryFailed">The primary's attempt had failed (a retry at the backup), rather than being slow (a hedge).</param>
    public void OnHedge(bool primaryFailed)
    {
        Interlocked.Increment(ref primaryFailed ? ref retries : ref hedges);
        lock (gate)
        {
            failedAttemptsAtPrimary++;
        }
    }

    /// <summary>The primary was slow or failed, and the hedge budget refused the extra attempt.</summary>
    public void OnHedgeRejected() => Interlocked.Increment(ref hedgesRejected);

    /// <summary>An attempt at a service ran into the attempt timeout: a client waited that long for it, hedging did not spare it.</summary>
    public void OnAttemptTimeout() => Interlocked.Increment(ref attemptTimeouts);

    /// <summary>Moves the state machine on with a response the gateway sent: a switch of service, a failback, or none.</summary>
    /// <param name="servedBy">The service that answered, or null when none could (then <paramref name="statusCode"/> is the gateway's own).</param>
    public void Observe(string? servedBy, int statusCode)
    {
        var answered = servedBy is not null && statusCode < StatusCodes.Status500InternalServerError;
        var noService = servedBy is null && statusCode >= StatusCodes.Status500InternalServerError;
        if (!answered && !noService)
        {
            return; // A 5xx passed through from a service, or load shedding: no change of service.
        }

        var service = servedBy ?? GatewayStatusSnapshot.NoService;
        // The common case, the primary answering as it did before, changes nothing: no lock on the forwarding path.
        if (service == primaryService && Volatile.Read(ref activeService) == primaryService && Volatile.Read(ref failedAttemptsAtPrimary) == 0)
        {
            return;
        }

        lock (gate)
        {
            if (service == activeService)
            {
                if (service == primaryService)
                {
                    failedAttemptsAtPrimary = 0;
                }

                return;
            }

            var previous = activeService;
            activeService = service;
            lastSwitch = $"{DateTimeOffset.Now:HH:mm:ss}: {previous} → {service}";
            if (service == primaryService)
            {
                LogFailback(logger, service, previous);
                failedAttemptsAtPrimary = 0;
            }
            else if (service == GatewayStatusSnapshot.NoService)
            {
                LogNoService(logger, previous);
            }
            else
            {
                failovers++;
                LogFailover(logger, service, failedAttemptsAtPrimary, previous);
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Gateway failed over to {ActiveService} after {FailedAttempts} failed or slow attempts (was {PreviousService})")]
    private static partial void LogFailover(ILogger logger, string activeService, int failedAttempts, string previousService);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Gateway failed back to {ActiveService} (was {PreviousService})")]
    private static partial void LogFailback(ILogger logger, string activeService, string previousService);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Gateway has no service: neither answered (was {PreviousService})")]
    private static partial void LogNoService(ILogger logger, string previousService);
}
