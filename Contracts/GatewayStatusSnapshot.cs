namespace Replication.Contracts;

/// <summary>What <see cref="ServicePaths.GatewayStatus"/> answers: the gateway's view of the services right now.</summary>
/// <param name="ActiveService">The service that answered the last request (<c>X-Served-By</c>), or <see cref="NoService"/>.</param>
/// <param name="Circuits">Each service's circuit state, by service name: <c>Closed</c>, <c>Open</c>, <c>HalfOpen</c> or <c>Isolated</c>.</param>
/// <param name="Failovers">How many times the active service changed from the primary to another service.</param>
/// <param name="LastSwitch">The last change of active service, with its time (<c>23:41:07: primaryservice → backupservice</c>).</param>
/// <param name="Hedges">Requests also sent to the backup while the primary's attempt still ran (slower than the hedging delay), since the gateway started: paid from the hedge budget.</param>
/// <param name="HedgesRejected">Hedges, and refusals to be sent on, that the gateway's hedge budget refused (the extra attempts of the last seconds had used up their share of the traffic).</param>
/// <param name="Retries">Requests sent to the backup after the primary's attempt failed (refused connection, 5xx, timed out, circuit open, or turned away with Retry-After, which the hedge budget pays for), since the gateway started.</param>
/// <param name="AttemptTimeouts">Attempts at a service that ran into the attempt timeout (neither answered nor were cancelled by a faster hedge), since the gateway started.</param>
public sealed record GatewayStatusSnapshot(
    string ActiveService, IReadOnlyDictionary<string, string> Circuits, long Failovers, string? LastSwitch,
    long Hedges = 0, long HedgesRejected = 0, long Retries = 0, long AttemptTimeouts = 0)
{
    /// <summary>The active service when the last request reached no service.</summary>
    public const string NoService = "none";
}
