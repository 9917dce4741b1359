using System.Globalization;
using System.Text;

namespace Replication.Testing;

/// <summary>The shape of a <see cref="UniqueWrites"/> run.</summary>
public sealed record UniqueWriteOptions
{
    /// <summary>Clients writing at once, each one operation after another.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Pause between one client's operations.</summary>
    public TimeSpan Pause { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long one attempt may take before it counts as indeterminate.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long an indeterminate operation is retried with the same Idempotency-Key before it is left unknown.</summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Pause before a retry, unless the answer's Retry-After asks for longer (up to 2 s).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>
/// Clients that each write unique values through a workload (<see cref="HttpWorkload.CreateWrite"/>, with its idempotency
/// key) and log every operation in an <see cref="OperationHistory"/>. An indeterminate answer (<see cref="HttpOutcomes"/>)
/// is retried with the same key, as a careful client would, until it is acknowledged, fails, or
/// <see cref="UniqueWriteOptions.RetryFor"/> runs out; a replayed acknowledgement for a key counts like the first.
/// </summary>
public sealed class UniqueWrites : IAsyncDisposable
{
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(2);

    private readonly HttpWorkload workload;
    private readonly OperationHistory history;
    private readonly UniqueWriteOptions options;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task[] clients;

    private UniqueWrites(HttpWorkload workload, OperationHistory history, UniqueWriteOptions options)
    {
        this.workload = workload;
        this.history = history;
        this.options = options;
        ValuePrefix = $"history-{Guid.NewGuid():N}"[..18] + "-";
        clients = [.. Enumerable.Range(0, options.Concurrency).Select(process => Task.Run(() => RunClientAsync(process)))];
    }

    /// <summary>Every key these writes use starts with it, so the final read can select them.</summary>
    public string ValuePrefix { get; }

    public static UniqueWrites Start(HttpWorkload workload, OperationHistory history, UniqueWriteOptions? options = null) =>
        new(workload ?? throw new ArgumentNullException(nameof(workload)), history, options ?? new UniqueWriteOptions());

    /// <summary>Stops the clients: each finishes its attempt in flight and completes its operation with what it knows.</summary>
    public async Task StopAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(clients).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        stopping.Dispose();
    }

    private async Task RunClientAsync(int process)
    {
        for (var sequence = 0; !stopping.IsCancellationRequested; sequence++)
        {
            await WriteAsync(process, string.Create(CultureInfo.InvariantCulture, $"{ValuePrefix}{process}-{sequence}")).ConfigureAwait(false);
            try
            {
                await Task.Delay(options.Pause, stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task WriteAsync(int process, string key)
    {
        var operation = history.Invoke(process, key);
        var attempts = new StringBuilder();
        var giveUpAt = history.Elapsed + options.RetryFor;
        while (true)
        {
            var (outcome, answer, retryAfter) = await AttemptAsync(process, key).ConfigureAwait(false);
            attempts.Append(attempts.Length == 0 ? "" : " ").Append(answer);
            if (outcome != OperationOutcome.Unknown || stopping.IsCancellationRequested || history.Elapsed >= giveUpAt)
            {
                operation.Complete(outcome, attempts.ToString());
                return;
            }

            try
            {
                var delay = retryAfter is { } asked && asked > options.RetryDelay ? (asked < MaxRetryAfter ? asked : MaxRetryAfter) : options.RetryDelay;
                await Task.Delay(delay, stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                operation.Complete(OperationOutcome.Unknown, attempts.ToString());
                return;
            }
        }
    }

    private async Task<(OperationOutcome Outcome, string Answer, TimeSpan? RetryAfter)> AttemptAsync(int process, string key)
    {
        // Not the stopping token: an attempt in flight when the workload stops must get its answer, or it is unknown.
        using var timeout = new CancellationTokenSource(options.AttemptTimeout);
        try
        {
            using var request = workload.CreateWrite(key, idempotencyKey: true);
            using var response = await workload.Client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var outcome = HttpOutcomes.Of(response.StatusCode);
            if (outcome == OperationOutcome.Ok && !await ReadsAsAcknowledgementAsync(response, timeout.Token).ConfigureAwait(false))
            {
                // A success the client cannot use may hide an acknowledged write: an anomaly, which fails the history.
                var status = (int)response.StatusCode;
                history.Anomaly(process, key, string.Create(CultureInfo.InvariantCulture, $"{status} whose body the client could not read as an acknowledgement"));
                return (OperationOutcome.Unknown, $"{status} unreadable", null);
            }

            return (outcome, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), response.Headers.RetryAfter?.Delta);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException)
        {
            return (OperationOutcome.Unknown, exception switch
            {
                OperationCanceledException => "timeout",
                _ => "no answer",
            }, null);
        }
    }

    private async Task<bool> ReadsAsAcknowledgementAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await workload.AcknowledgesAsync(response, cancellationToken).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
