using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.CircuitBreaker;

namespace Replication.Gateway;

/// <summary>
/// Attempts at one service: its address (<see cref="ServiceAddress"/>), then its own circuit breaker and attempt timeout
/// (Polly's strategies with Microsoft.Extensions.Http.Resilience's HTTP options and predicates), then the transport
/// that both services share. An attempt never throws: its outcome says what happened.
/// </summary>
public sealed class ServiceAttempts
{
    private readonly ResiliencePipeline<HttpResponseMessage> pipeline;
    private readonly HttpMessageInvoker transport;
    private readonly int readAheadLimit;

    public ServiceAttempts(ServiceAddress address, HttpMessageInvoker transport, GatewayOptions options, GatewayTelemetry telemetry)
    {
        Address = address;
        this.transport = transport;
        readAheadLimit = options.MaxBufferedResponseBytes;
        var service = address.Name;
        pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { Name = $"gateway-{service}" }
            .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                // A refusal (503 or 429 with Retry-After) comes from a live service protecting itself from overload:
                // counted as a failure, it would open the circuit and take all of that service's capacity away when it
                // is needed most (seen at 1,024 connections: both circuits open, the gateway answering 503 itself).
                ShouldHandle = arguments => ValueTask.FromResult(
                    HttpClientResiliencePredicates.IsTransient(arguments.Outcome) && !Attempt.IsRefusal(arguments.Outcome.Result)),
                // The library's defaults (100 requests over 30 s) would keep sending to a dead primary for
                // seconds; these open the circuit after a handful of failures.
                MinimumThroughput = 4,
                FailureRatio = 0.5,
                SamplingDuration = options.AttemptTimeout * 2,
                BreakDuration = options.BreakDuration,
                OnOpened = _ => telemetry.RecordCircuitAsync(service, CircuitState.Open),
                OnHalfOpened = _ => telemetry.RecordCircuitAsync(service, CircuitState.HalfOpen),
                OnClosed = _ => telemetry.RecordCircuitAsync(service, CircuitState.Closed),
            })
            .AddTimeout(new HttpTimeoutStrategyOptions
            {
                Name = "attempt-timeout",
                Timeout = options.AttemptTimeout,
                OnTimeout = _ => telemetry.RecordAttemptTimeoutAsync(service),
            })
            .Build();
    }

    public ServiceAddress Address { get; }

    /// <summary>Sends <paramref name="request"/> (already addressed to this service) through its circuit and attempt timeout.</summary>
    public Task<Attempt> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Start(request, cancellationToken).FinishAsync();

    /// <summary>
    /// Starts an attempt and hands back Polly's own task for its outcome, so that starting one allocates nothing of the
    /// gateway's; <see cref="StartedAttempt.Finish"/> ends it.
    /// </summary>
    public StartedAttempt Start(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var outcome = pipeline.ExecuteOutcomeAsync(
            static (context, state) => SendOnceAsync(state.transport, state.request, state.readAheadLimit, context.CancellationToken),
            context, (transport, request, readAheadLimit));
        return new StartedAttempt(outcome.AsTask(), context, started);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<Outcome<HttpResponseMessage>> SendOnceAsync(
        HttpMessageInvoker transport, HttpRequestMessage request, int readAheadLimit, CancellationToken cancellationToken)
    {
        try
        {
            var response = await transport.SendAsync(request, cancellationToken);
            try
            {
                // The body belongs to the attempt: a service that dies while it writes it has failed, like one that never answered.
                await ResponseReadAhead.ReadAsync(response, readAheadLimit, cancellationToken);
            }
            catch
            {
                response.Dispose();
                throw;
            }

            return Outcome.FromResult(response);
        }
        catch (Exception exception)
        {
            return Outcome.FromException<HttpResponseMessage>(exception);
        }
    }
}

/// <summary>An attempt under way: Polly's task for its outcome, and the execution context to give back once it is done.</summary>
public readonly record struct StartedAttempt(Task<Outcome<HttpResponseMessage>> Outcome, ResilienceContext Context, long Started)
{
    public bool IsCompleted => Outcome.IsCompleted;

    /// <summary>Once <see cref="Outcome"/> is complete (and only once): the attempt, its context returned to Polly's pool.</summary>
    public Attempt Finish()
    {
        ResilienceContextPool.Shared.Return(Context);
        return new Attempt(Outcome.Result, Stopwatch.GetElapsedTime(Started));
    }

    /// <summary>Waits for the outcome, then <see cref="Finish"/>es.</summary>
    public async Task<Attempt> FinishAsync()
    {
        // Polly's outcome task never throws: a failure is its result.
        await Outcome;
        return Finish();
    }
}

/// <summary>One attempt's outcome (a response, or the exception that ended it) and how long it spent at its service.</summary>
public readonly record struct Attempt(Outcome<HttpResponseMessage> Outcome, TimeSpan Elapsed)
{
    /// <summary>
    /// A failure worth trying the other service for, as Microsoft.Extensions.Http.Resilience's hedging judges it: a 5xx,
    /// 408 or 429, a transport error, an attempt timeout, an open circuit.
    /// </summary>
    public bool IsFailure => HttpClientHedgingResiliencePredicates.IsTransient(Outcome);

    /// <summary>A service's admission control turning the request away: 503 or 429 with Retry-After.</summary>
    public static bool IsRefusal(HttpResponseMessage? response) =>
        response is { StatusCode: HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests, Headers.RetryAfter: not null };

    /// <summary>Drops an attempt whose answer is not the one sent to the client.</summary>
    public void Discard() => Outcome.Result?.Dispose();
}
