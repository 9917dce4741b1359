namespace Replication.AppHost;

/// <summary>Names of the dashboard properties the gateway resource shows, polled from the gateway's <c>/_status</c>.</summary>
public static class GatewayProperties
{
    /// <summary>The service that answered the gateway's last request (<c>X-Served-By</c>), or <c>none</c> when neither could.</summary>
    public const string ActiveService = "gateway.active_service";

    /// <summary>Prefix of each service's circuit state (<c>Closed</c>, <c>Open</c>, <c>HalfOpen</c>): <c>gateway.circuit.primaryservice</c>.</summary>
    public const string CircuitPrefix = "gateway.circuit.";

    /// <summary>How many times the gateway failed over: switched from the primary to another service (not the count of responses the backup served; that is the metric <c>gateway.backup_responses</c>).</summary>
    public const string Failovers = "gateway.failovers";

    /// <summary>Requests the gateway also sent to the backup because the primary was slower than the hedging delay (the metric <c>gateway.hedges</c>, reason <c>slow</c>).</summary>
    public const string Hedges = "gateway.hedges";

    /// <summary>Requests the gateway sent to the backup after the primary's attempt failed (the metric <c>gateway.hedges</c>, reason <c>failed</c>).</summary>
    public const string Retries = "gateway.retries";

    /// <summary>Hedges the gateway's hedge budget refused, so that an overloaded primary was not sent twice the work (the metric <c>gateway.hedge_budget.rejections</c>).</summary>
    public const string HedgesRejected = "gateway.hedges_rejected";

    /// <summary>Attempts at a service that ran into the attempt timeout: each kept a client waiting that long (the metric <c>gateway.attempt_timeouts</c>, by service).</summary>
    public const string AttemptTimeouts = "gateway.attempt_timeouts";

    /// <summary>The last switch between services, with its time: <c>23:41:07: primaryservice → backupservice</c>.</summary>
    public const string LastSwitch = "gateway.last_switch";

    /// <summary>The property that shows <paramref name="service"/>'s circuit state.</summary>
    /// <param name="service">A service name, e.g. <c>primaryservice</c>.</param>
    /// <returns><c>gateway.circuit.primaryservice</c>.</returns>
    public static string Circuit(string service) => CircuitPrefix + service;
}
