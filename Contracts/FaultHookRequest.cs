namespace Replication.Contracts;

/// <summary>The body of a <c>PUT</c> to <see cref="ServicePaths.FaultHook"/>: which faults the service injects from now on.</summary>
/// <param name="ErrorRate">The share of requests (0 to 1) that answer <paramref name="ErrorStatus"/>.</param>
/// <param name="ErrorStatus">The status those requests get (400 to 599).</param>
/// <param name="LatencyMilliseconds">How long every request waits first.</param>
/// <param name="DurationMilliseconds">How long the faults last; for ever when null.</param>
public sealed record FaultHookRequest(double ErrorRate = 0, int ErrorStatus = 500, int LatencyMilliseconds = 0, int? DurationMilliseconds = null);
