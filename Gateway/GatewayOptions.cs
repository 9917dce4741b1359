using Replication.Contracts;

namespace Replication.Gateway;

/// <summary>The gateway's settings, bound from the <c>Gateway</c> configuration section.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = GatewayConfiguration.SectionName;

    /// <summary>The service every request goes to first.</summary>
    public Uri PrimaryService { get; set; } = new($"http://{ResourceNames.PrimaryService}");

    /// <summary>The service a request goes to when the primary fails, times out, is slow or its circuit is open.</summary>
    public Uri BackupService { get; set; } = new($"http://{ResourceNames.BackupService}");

    /// <summary>How long the primary may take before the same request is also sent to the backup.</summary>
    public TimeSpan HedgingDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How long one attempt at a service may take.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long a request may take across all attempts. With one hedge, two attempts end within twice
    /// <see cref="AttemptTimeout"/>, so this only binds when it is shorter than that.
    /// </summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a service's circuit stays open before one probe request may try it again (failback).</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Hedges (a request sent to the backup too while the primary's attempt still runs) may be at most this share of the
    /// requests of the last <see cref="HedgeBudgetWindow"/> (plus <see cref="HedgeBudgetPerSecond"/>); beyond it a slow
    /// primary is waited for, and a refusal (503 or 429 with Retry-After) goes back to the client. A request whose primary
    /// attempt failed otherwise still fails over. Finagle's and Linkerd's retry budgets default to 20 %.
    /// </summary>
    public double HedgeBudgetPercent { get; set; } = 20;

    /// <summary>Hedges allowed per second of the window whatever the traffic, so a quiet gateway can still fail over.</summary>
    public int HedgeBudgetPerSecond { get; set; } = 10;

    /// <summary>How far back the hedge budget counts requests and hedges.</summary>
    public TimeSpan HedgeBudgetWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests forwarded at once; more wait in a queue of <see cref="QueuedRequests"/>, and beyond that get 429.</summary>
    public int MaxConcurrentRequests { get; set; } = 128;

    /// <summary>Requests that may wait for a forwarding slot before the gateway sheds load with 429.</summary>
    public int QueuedRequests { get; set; } = 128;

    /// <summary>
    /// How long a request may wait for a forwarding slot before it is shed with 429: the queue absorbs a burst, but under
    /// sustained overload a longer wait adds latency and no throughput, since the services and the database already run
    /// at their limit.
    /// </summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Request bodies are buffered up to this size (so they can be re-sent); larger ones get 413.</summary>
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// A service's answer is read up to this size before it is forwarded, so that one cut off mid-body is retried at the
    /// other service; a longer body is forwarded as it arrives, past this point.
    /// </summary>
    public int MaxBufferedResponseBytes { get; set; } = 1024 * 1024;
}
