using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;
using Polly;

namespace Replication.Gateway;

/// <summary>
/// Which service answers a request: the primary first; the backup when the primary fails, or as well when the primary
/// has not answered within the hedging delay and the <see cref="HedgeBudget"/> allows an extra attempt; the first good answer wins and
/// the other attempt is cancelled. Each attempt runs through its service's own circuit breaker and attempt timeout
/// (<see cref="ServiceAttempts"/>, Polly's).
/// </summary>
/// <remarks>
/// Hedging is written here rather than taken from Polly because it is this gateway's core behaviour and runs on every
/// request: Polly's hedging strategy pays for a pooled execution context, a task per attempt, a delay task and a
/// <c>WhenAny</c> on every request even when the primary answers at once. Here the happy path is one attempt and one
/// timed wait; the rest happens only when the primary is slow or fails. Measured in Benchmarks (gateway-pipeline) and
/// docs/gateway-performance-notes.md.
/// </remarks>
public sealed class Failover : IDisposable
{
    /// <summary>The key of the <see cref="HttpMessageHandler"/> that sends every attempt (a <see cref="SocketsHttpHandler"/>).</summary>
    public const string TransportKey = "Replication.Gateway.Transport";

    private readonly TimeSpan hedgingDelay;
    private readonly HedgeBudget budget;
    private readonly GatewayTelemetry telemetry;
    private readonly GatewayStatus status;
    private readonly ResiliencePipeline? totalTimeout;
    private readonly HttpMessageInvoker sender;

    private static readonly ObjectPool<CancellationTokenSource> Cancellations = new DefaultObjectPool<CancellationTokenSource>(new ReusableCancellation());

    public Failover(
        IOptions<GatewayOptions> options, [FromKeyedServices(TransportKey)] HttpMessageHandler transport, ServiceEndpointResolver resolver,
        HedgeBudget budget, GatewayTelemetry telemetry, GatewayStatus status, ILogger<ServiceAddress> addressLogger)
    {
        var settings = options.Value;
        hedgingDelay = settings.HedgingDelay;
        this.budget = budget;
        this.telemetry = telemetry;
        this.status = status;
        Transport = transport;
        sender = new HttpMessageInvoker(transport, disposeHandler: false);
        Primary = new ServiceAttempts(new ServiceAddress(settings.PrimaryService, resolver, addressLogger), sender, settings, telemetry);
        Backup = new ServiceAttempts(new ServiceAddress(settings.BackupService, resolver, addressLogger), sender, settings, telemetry);
        // With one hedge, every request ends within two attempt timeouts; a longer total timeout could never fire.
        totalTimeout = settings.TotalTimeout < settings.AttemptTimeout * 2
            ? new ResiliencePipelineBuilder().AddTimeout(new HttpTimeoutStrategyOptions { Name = "total-timeout", Timeout = settings.TotalTimeout }).Build()
            : null;
    }

    public ServiceAttempts Primary { get; }

    public ServiceAttempts Backup { get; }

    internal HttpMessageHandler Transport { get; }

    public void Dispose() => sender.Dispose();

    /// <summary>Sends <paramref name="request"/>, addressed to the primary, and returns the answer of the attempt that won.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, ForwardedRequest exchange, CancellationToken cancellationToken) =>
        totalTimeout is null
            ? HedgeAsync(request, exchange, cancellationToken)
            : totalTimeout.ExecuteAsync(
                static (state, token) => new ValueTask<HttpResponseMessage>(state.self.HedgeAsync(state.request, state.exchange, token)),
                (self: this, request, exchange), cancellationToken).AsTask();

    private async Task<HttpResponseMessage> HedgeAsync(HttpRequestMessage request, ForwardedRequest exchange, CancellationToken cancellationToken)
    {
        budget.Deposit();
        // The primary's attempt can be cancelled on its own, when the backup wins. A cancelled source is not reused.
        var primaryCancellation = Cancellations.Get();
        try
        {
            using var link = cancellationToken.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), primaryCancellation);
            var primary = Primary.Start(request, primaryCancellation.Token);
            if (!primary.IsCompleted)
            {
                // The hedging delay is a reused source's timer (a new timer per request would be one more allocation).
                // The wait ends with the primary's answer or with the delay, whichever comes first; neither throws here.
                var delay = Cancellations.Get();
                delay.CancelAfter(hedgingDelay);
                await ((Task)primary.Outcome).WaitAsync(delay.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                Cancellations.Return(delay);
            }

            if (!primary.IsCompleted)
            {
                return await RaceAsync(request, exchange, primary.FinishAsync(), primaryCancellation, cancellationToken);
            }

            var answer = primary.Finish();
            return answer.IsFailure
                ? await RaceAsync(request, exchange, Task.FromResult(answer), primaryCancellation, cancellationToken)
                : exchange.Answered(answer);
        }
        finally
        {
            // Every path out has the primary's attempt finished or cancelled.
            Cancellations.Return(primaryCancellation);
        }
    }

    /// <summary>The primary failed, or is slower than the hedging delay: the backup too, if the budget allows.</summary>
    private async Task<HttpResponseMessage> RaceAsync(
        HttpRequestMessage request, ForwardedRequest exchange, Task<Attempt> primary, CancellationTokenSource primaryCancellation, CancellationToken cancellationToken)
    {
        var primaryRunning = !primary.IsCompleted;
        if (!TryHedge(request, primary))
        {
            // A hedge the budget refused waits for the primary's answer, which may still fail over; a failure it refused is final.
            var answer = await primary;
            if (!primaryRunning || !answer.IsFailure || !TryHedge(request, primary))
            {
                return exchange.Answered(answer);
            }
        }

        using var backupCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var hedge = HedgedRequest.To(await Backup.Address.GetAsync(cancellationToken), request);
        var backup = Backup.SendAsync(hedge, backupCancellation.Token);

        var first = await Task.WhenAny(primary, backup);
        var (second, secondCancellation) = first == primary ? (backup, backupCancellation) : (primary, primaryCancellation);
        if (!first.Result.IsFailure)
        {
            await secondCancellation.CancelAsync();
            _ = second.ContinueWith(static loser => loser.Result.Discard(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return exchange.Answered(first.Result);
        }

        var last = await second;
        if (!last.IsFailure)
        {
            first.Result.Discard();
            return exchange.Answered(last);
        }

        // Both failed: a service's answer rather than no answer, the backup's when both have one.
        var (answered, dropped) = PreferAnswer(backup.Result, primary.Result);
        dropped.Discard();
        return exchange.Answered(answered);
    }

    /// <summary>
    /// The budget pays for hedges, extra attempts sent while the primary's is still running: that is the work an overloaded
    /// primary would be given twice. It pays for a refusal sent on as well (503 or 429 with Retry-After): the primary
    /// turned the request away to shed load, and the backup writes to the same database, so sending every refusal there
    /// is the retry storm a budget exists to stop; past the budget the client gets the refusal, at once. Sending on a
    /// request whose attempt failed otherwise (refused connection, 5xx, timeout, open circuit) is free: it runs no two
    /// attempts at once, and the primary's circuit breaker stops it when failures dominate.
    /// </summary>
    private bool TryHedge(HttpRequestMessage request, Task<Attempt> primary)
    {
        var failed = primary.IsCompleted;
        var paid = !failed || Attempt.IsRefusal(primary.Result.Outcome.Result);
        if (!paid || budget.TryWithdraw())
        {
            telemetry.RecordHedge(request, failed);
            status.OnHedge(failed);
            return true;
        }

        telemetry.RecordHedgeRejected();
        status.OnHedgeRejected();
        return false;
    }

    /// <summary>Sources that were never cancelled (nor their timer fired) are reset and reused, as Polly and YARP reuse theirs.</summary>
    private sealed class ReusableCancellation : PooledObjectPolicy<CancellationTokenSource>
    {
        public override CancellationTokenSource Create() => new();

        public override bool Return(CancellationTokenSource source) => source.TryReset();
    }

    private static (Attempt Answered, Attempt Dropped) PreferAnswer(Attempt backup, Attempt primary) =>
        backup.Outcome.Result is null && primary.Outcome.Result is not null ? (primary, backup) : (backup, primary);
}

/// <summary>
/// One client request on its way to the services: the invoker YARP forwards it through, made for this request so that it
/// carries the request's replayable body (<see cref="ReplayableBody"/>) and learns which attempt answered, with nothing
/// attached to the request message.
/// </summary>
public sealed class ForwardedRequest(Failover failover, ReplayableBody? body)
    : HttpMessageInvoker(failover.Transport, disposeHandler: false)
{
    /// <summary>How long the answering attempt spent at its service; zero when no service answered.</summary>
    public TimeSpan UpstreamTime { get; private set; }

    public override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        body?.SwapInto(request);
        return failover.SendAsync(request, this, cancellationToken);
    }

    internal HttpResponseMessage Answered(Attempt attempt)
    {
        if (attempt.Outcome.Result is { } response)
        {
            UpstreamTime = attempt.Elapsed;
            return response;
        }

        ExceptionDispatchInfo.Throw(attempt.Outcome.Exception!);
        return null!;
    }
}
