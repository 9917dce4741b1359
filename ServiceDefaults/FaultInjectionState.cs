using Replication.Contracts;

namespace Replication.ServiceDefaults;

/// <summary>The faults a service is currently told to inject. Changed at run time through the <c>/_faults</c> hook.</summary>
public sealed class FaultInjectionState
{
    private volatile FaultSettings settings = FaultSettings.None;

    public FaultSettings Current => settings;

    public void Set(FaultSettings value) => settings = value;

    public void Clear() => settings = FaultSettings.None;
}

/// <summary>
/// <paramref name="ErrorRate"/> of requests (0..1) get <paramref name="ErrorStatus"/>; every request is first delayed by
/// <paramref name="Latency"/>, until <paramref name="Until"/> if that is set.
/// </summary>
public sealed record FaultSettings(double ErrorRate, int ErrorStatus, TimeSpan Latency, DateTimeOffset? Until)
{
    public static readonly FaultSettings None = new(0, 500, TimeSpan.Zero, null);

    public bool IsActive(DateTimeOffset now) => Until is null || now < Until;

    /// <summary>The settings a hook request asks for, starting <paramref name="now"/>.</summary>
    public static FaultSettings From(FaultHookRequest request, DateTimeOffset now) => new(
        request.ErrorRate,
        request.ErrorStatus,
        TimeSpan.FromMilliseconds(request.LatencyMilliseconds),
        request.DurationMilliseconds is { } duration ? now + TimeSpan.FromMilliseconds(duration) : null);
}
