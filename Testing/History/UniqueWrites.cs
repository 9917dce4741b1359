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

    /// <summary>
    /// Whether each client reads its acknowledged writes back, for the <see cref="SessionChecker"/>: with its session
    /// token by default, where the workload can read a write back (<see cref="HttpWorkload.CanReadBack"/>).
    /// </summary>
    public SessionReads SessionReads { get; init; } = SessionReads.WithToken;
}

/// <summary>
/// Clients that each write unique values through a workload (<see cref="HttpWorkload.CreateWrite"/>, with its idempotency
/// key) and log every operation in an <see cref="OperationHistory"/>. An indeterminate answer (<see cref="HttpOutcomes"/>)
/// is retried with the same key, as a careful client would, until it is acknowledged, fails, or
/// <see cref="UniqueWriteOptions.RetryFor"/> runs out; a replayed acknowledgement for a key counts like the first. After
/// each acknowledgement the client reads its writes back (<see cref="UniqueWriteOptions.SessionReads"/>).
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

    /// <summary>
    /// After <see cref="StopAsync"/> and a repair: replays each write that ended <see cref="OperationOutcome.Unknown"/> with
    /// its idempotency key, as its client would, until the answer says what happened or <see cref="UniqueWriteOptions.RetryFor"/>
    /// runs out, and logs the answer with <see cref="OperationHistory.Resolve"/>. A 2xx replaying the first answer means the
    /// write had happened; a 2xx that does not means it had not, and happens now; either way it is acknowledged and must
    /// be in the final read. Returns how many stay unknown.
    /// </summary>
    public async Task<int> ResolveUnknownAsync(CancellationToken cancellationToken = default)
    {
        var unknown = history.Operations.Where(operation => operation.Outcome == OperationOutcome.Unknown && operation.Value.StartsWith(ValuePrefix, StringComparison.Ordinal)).ToList();
        var unresolved = 0;
        await Parallel.ForEachAsync(unknown, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken }, async (operation, token) =>
        {
            var (answer, attempts) = await AttemptUntilKnownAsync(operation.Process, operation.Value, token).ConfigureAwait(false);
            history.Resolve(operation.Value, answer.Outcome, attempts);
            if (answer.Outcome == OperationOutcome.Unknown)
            {
                Interlocked.Increment(ref unresolved);
            }
        }).ConfigureAwait(false);
        return unresolved;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        stopping.Dispose();
    }

    private async Task RunClientAsync(int process)
    {
        var reader = options.SessionReads != SessionReads.None && workload.CanReadBack
            ? new SessionReader(workload, history, process, options.SessionReads == SessionReads.WithToken, options.AttemptTimeout, stopping.Token)
            : null;
        try
        {
            for (var sequence = 0; !stopping.IsCancellationRequested; sequence++)
            {
                var key = string.Create(CultureInfo.InvariantCulture, $"{ValuePrefix}{process}-{sequence}");
                if (await WriteAsync(process, key).ConfigureAwait(false) is { Outcome: OperationOutcome.Ok, Location: { } location } acknowledged)
                {
                    reader?.Acknowledged(key, location, acknowledged.SessionToken);
                }

                await Task.Delay(options.Pause, stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            if (reader is not null)
            {
                await reader.StopAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes one value, with same-key retries of indeterminate answers; returns the last answer.</summary>
    private async Task<WriteAnswer> WriteAsync(int process, string key)
    {
        var operation = history.Invoke(process, key);
        var (answer, attempts) = await AttemptUntilKnownAsync(process, key, stopping.Token).ConfigureAwait(false);
        operation.Complete(answer.Outcome, attempts);
        return answer;
    }

    /// <summary>
    /// Attempts the write of <paramref name="key"/> until an answer says what happened, <see cref="UniqueWriteOptions.RetryFor"/>
    /// runs out, or <paramref name="stop"/> is cancelled (an attempt in flight still gets its answer); returns the last
    /// answer and every attempt's, for the history.
    /// </summary>
    private async Task<(WriteAnswer Last, string Attempts)> AttemptUntilKnownAsync(int process, string key, CancellationToken stop)
    {
        var attempts = new StringBuilder();
        var giveUpAt = history.Elapsed + options.RetryFor;
        while (true)
        {
            var answer = await AttemptAsync(process, key).ConfigureAwait(false);
            attempts.Append(attempts.Length == 0 ? "" : " ").Append(answer.Text);
            if (answer.Outcome != OperationOutcome.Unknown || stop.IsCancellationRequested || history.Elapsed >= giveUpAt)
            {
                return (answer, attempts.ToString());
            }

            try
            {
                await Task.Delay(RetryDelayAfter(answer.RetryAfter), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return (answer, attempts.ToString());
            }
        }
    }

    private TimeSpan RetryDelayAfter(TimeSpan? retryAfter) =>
        retryAfter is { } asked && asked > options.RetryDelay ? (asked < MaxRetryAfter ? asked : MaxRetryAfter) : options.RetryDelay;

    /// <summary>What one attempt at a write learned: its outcome, how the history shows it, and for a 2xx where it can be read back.</summary>
    private sealed record WriteAnswer(OperationOutcome Outcome, string Text, TimeSpan? RetryAfter = null, Uri? Location = null, string? SessionToken = null);

    private async Task<WriteAnswer> AttemptAsync(int process, string key)
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
                return new(OperationOutcome.Unknown, $"{status} unreadable");
            }

            var text = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture) + (outcome == OperationOutcome.Ok && workload.Replayed(response) == true ? " replayed" : "");
            return outcome == OperationOutcome.Ok
                ? new(outcome, text, Location: workload.LocationOf(response), SessionToken: workload.SessionToken(response))
                : new(outcome, text, response.Headers.RetryAfter?.Delta);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException)
        {
            return new(OperationOutcome.Unknown, exception is OperationCanceledException ? "timeout" : "no answer");
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
