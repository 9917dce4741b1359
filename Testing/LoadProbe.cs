using System.Collections.Concurrent;
using System.Diagnostics;

namespace Replication.Testing;

/// <summary>
/// Drives constant load of a workload's reads and writes and records every response, so a fault scenario can count
/// what it lost.
/// <code>
/// await using var load = LoadProbe.Start(workload);
/// load.MarkFault("kill primaryservice");
/// await graph.Faults.KillAsync("primaryservice");
/// var report = await load.StopAsync();
/// </code>
/// </summary>
public sealed class LoadProbe : IAsyncDisposable
{
    private readonly HttpWorkload workload;
    private readonly LoadOptions options;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<LoadSample> samples = new();
    private readonly ConcurrentQueue<LoadEvent> events = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly Task[] clients;
    private LoadReport? report;

    private LoadProbe(HttpWorkload workload, LoadOptions options)
    {
        this.workload = workload;
        this.options = options;
        RunId = Guid.NewGuid().ToString("N")[..10];
        clients = [.. Enumerable.Range(0, options.Concurrency).Select(index => Task.Run(() => RunClientAsync(index)))];
    }

    /// <summary>Every key this probe writes starts with it, so the final read can find its values.</summary>
    public string KeyPrefix => $"probe-{RunId}-";

    private string RunId { get; }

    /// <summary>Time since the probe started, on the same clock as the samples and marks.</summary>
    public TimeSpan Elapsed => clock.Elapsed;

    public static LoadProbe Start(HttpWorkload workload, LoadOptions? options = null) =>
        new(workload ?? throw new ArgumentNullException(nameof(workload)), options ?? new LoadOptions());

    /// <summary>
    /// Runs the load until it has <paramref name="responses"/> responses, and reports. A count, not a duration: how many
    /// requests fit in a second depends on the machine's load, and a report of none proves nothing.
    /// </summary>
    public static async Task<LoadReport> RunAsync(HttpWorkload workload, int responses, LoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var probe = Start(workload, options);
        await using (probe.ConfigureAwait(false))
        {
            await probe.WaitForResponsesAsync(responses, cancellationToken).ConfigureAwait(false);
            return await probe.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Notes the moment a fault was injected; the report measures failover from the first one.</summary>
    public void MarkFault(string description) => events.Enqueue(new LoadEvent(clock.Elapsed, LoadEventKind.Fault, description));

    /// <summary>Notes the moment the fault was repaired; the report measures failback from the last one.</summary>
    public void MarkRecovery(string description) => events.Enqueue(new LoadEvent(clock.Elapsed, LoadEventKind.Recovery, description));

    /// <summary>Writes acknowledged (201) so far among the requests sent at or after <paramref name="at"/> (see <see cref="Elapsed"/>).</summary>
    public int AcknowledgedWritesSince(TimeSpan at) => samples.Count(sample => sample.IsAcknowledgedWrite && sample.Start >= at);

    /// <summary>
    /// Waits until the load has produced at least <paramref name="count"/> more responses, for at most the time they can
    /// take: each client gets an answer or gives up within <see cref="LoadOptions.RequestTimeout"/>.
    /// </summary>
    /// <exception cref="TimeoutException">The responses did not come in time.</exception>
    /// <exception cref="InvalidOperationException">A client of the probe died; the load it should have sent is missing.</exception>
    public Task WaitForResponsesAsync(int count, CancellationToken cancellationToken = default) =>
        WaitForResponsesAsync(count, (options.RequestTimeout + options.Pause) * Math.Ceiling((double)count / options.Concurrency), cancellationToken);

    /// <inheritdoc cref="WaitForResponsesAsync(int, CancellationToken)"/>
    public async Task WaitForResponsesAsync(int count, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var start = samples.Count;
        var deadline = clock.Elapsed + timeout;
        while (samples.Count < start + count)
        {
            ThrowIfAClientDied();
            if (clock.Elapsed > deadline)
            {
                throw new TimeoutException($"The load produced {samples.Count - start} of {count} responses within {timeout.TotalSeconds:F0} s.");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the clients (a request in flight gets its full timeout) and reports everything they saw.</summary>
    /// <exception cref="InvalidOperationException">A client of the probe died.</exception>
    public async Task<LoadReport> StopAsync()
    {
        if (report is null)
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(clients).ConfigureAwait(false);
            }
            catch (Exception) when (clients.Any(client => client.IsFaulted))
            {
                ThrowIfAClientDied();
            }

            report = new LoadReport([.. samples.OrderBy(sample => sample.Start)], [.. events], clock.Elapsed, options, KeyPrefix, workload);
        }

        return report;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Reported by the wait or the stop that saw it; disposing only has to end the clients, which it did.
        }

        stopping.Dispose();
    }

    private void ThrowIfAClientDied()
    {
        if (clients.FirstOrDefault(client => client.IsFaulted) is { Exception: { } died })
        {
            throw new InvalidOperationException($"A client of the load probe died: {died.InnerException?.Message}", died.InnerException);
        }
    }

    private async Task RunClientAsync(int index)
    {
        var random = new Random(HashCode.Combine(RunId, index));
        var sequence = 0;
        while (!stopping.IsCancellationRequested)
        {
            var sample = random.NextDouble() < options.WriteFraction
                ? await SendAsync(RequestKind.Write, $"{KeyPrefix}{index}-{sequence++}").ConfigureAwait(false)
                : await SendAsync(RequestKind.Read, key: null).ConfigureAwait(false);
            samples.Enqueue(sample);
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

    private async Task<LoadSample> SendAsync(RequestKind kind, string? key)
    {
        var start = clock.Elapsed;
        // A request in flight when the probe stops still gets its full timeout: it must not be counted as failed.
        using var timeout = new CancellationTokenSource(options.RequestTimeout);
        try
        {
            using var request = key is null ? workload.CreateRead() : workload.CreateWrite(key, options.IdempotentWrites);
            using var response = await workload.Client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var acknowledged = kind == RequestKind.Write && await workload.AcknowledgesAsync(response, timeout.Token).ConfigureAwait(false);
            await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            return new LoadSample(start, clock.Elapsed - start, kind, (int)response.StatusCode,
                workload.ServedBy(response), workload.ReadFrom(response), key, acknowledged, null);
        }
        // What the network or the server can do to a request is a failed request; anything else is a bug in the probe.
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException or System.Text.Json.JsonException)
        {
            return new LoadSample(start, clock.Elapsed - start, kind, null, null, null, key, false, exception.GetType().Name + ": " + exception.Message);
        }
    }
}

public enum LoadEventKind
{
    Fault,
    Recovery,
}

public sealed record LoadEvent(TimeSpan At, LoadEventKind Kind, string Description);
