namespace Replication.Contracts;

/// <summary>Paths every service serves outside the public API, for the AppHost, the gateway and the tests.</summary>
public static class ServicePaths
{
    /// <summary>Readiness: every health check (the AppHost's and the gateway's health probe).</summary>
    public const string Health = "/health";

    /// <summary>Liveness: only the checks tagged "live".</summary>
    public const string Alive = "/alive";

    /// <summary>The gateway's status (<see cref="GatewayStatusSnapshot"/>), polled by the AppHost for the dashboard. Loopback callers only.</summary>
    public const string GatewayStatus = "/_status";

    /// <summary>Each service's fault-injection hook (<see cref="FaultHookRequest"/>); never present in Production.</summary>
    public const string FaultHook = "/_faults";
}
