using System.Threading.Channels;

namespace Replication.Testing;

/// <summary>
/// One client's reads of its own acknowledged writes (<see cref="SessionReads"/>), beside its writes and never holding
/// them up (a read that hangs on a frozen replica must not slow the history): after an acknowledgement, the write just
/// made and one made earlier, at the locations their acknowledgements named, each logged in the history. While a read
/// is in flight, newer acknowledgements replace each other; the next read takes the latest. An answer other than a 2xx
/// or a 404 (a failover's 503, a timeout) says nothing about what is stored, and is not logged.
/// </summary>
internal sealed class SessionReader
{
    private readonly HttpWorkload workload;
    private readonly OperationHistory history;
    private readonly int process;
    private readonly bool withToken;
    private readonly TimeSpan readTimeout;
    private readonly List<(string Key, Uri Location)> written = [];
    private readonly Channel<(string Key, Uri Location)> latest =
        Channel.CreateBounded<(string Key, Uri Location)>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly Random random;
    private readonly Task reading;
    private volatile string? sessionToken;

    public SessionReader(HttpWorkload workload, OperationHistory history, int process, bool withToken, TimeSpan readTimeout, CancellationToken stopping)
    {
        this.workload = workload;
        this.history = history;
        this.process = process;
        this.withToken = withToken;
        this.readTimeout = readTimeout;
        random = new Random(process);
        reading = Task.Run(() => ReadLoopAsync(stopping), CancellationToken.None);
    }

    /// <summary>The client's write of <paramref name="key"/> was acknowledged, readable at <paramref name="location"/>.</summary>
    public void Acknowledged(string key, Uri location, string? token)
    {
        lock (written)
        {
            written.Add((key, location));
        }

        sessionToken = token ?? sessionToken;
        latest.Writer.TryWrite((key, location));
    }

    /// <summary>Lets the read in flight end (the stopping token cancels it, unlogged), and reads no more.</summary>
    public Task StopAsync()
    {
        latest.Writer.TryComplete();
        return reading;
    }

    private async Task ReadLoopAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var (key, location) in latest.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                await ReadAsync(key, location, stopping).ConfigureAwait(false);
                if (Earlier(key) is { } earlier)
                {
                    await ReadAsync(earlier.Key, earlier.Location, stopping).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private (string Key, Uri Location)? Earlier(string key)
    {
        lock (written)
        {
            var index = written.FindIndex(write => write.Key == key);
            return index > 0 ? written[random.Next(index)] : null;
        }
    }

    private async Task ReadAsync(string key, Uri location, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(readTimeout);
        var token = withToken ? sessionToken : null;
        var invokedAt = history.Elapsed;
        try
        {
            using var request = workload.CreateReadOf(location, token);
            using var response = await workload.Client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            string? returned;
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                returned = null;
            }
            else if (response.IsSuccessStatusCode)
            {
                try
                {
                    returned = await workload.ReadKeyAsync(response, timeout.Token).ConfigureAwait(false);
                }
                catch (System.Text.Json.JsonException exception)
                {
                    history.Anomaly(process, key, $"a read of it answered {(int)response.StatusCode} with a body the client could not read ({exception.Message})");
                    return;
                }
            }
            else
            {
                return;
            }

            history.RecordRead(new SessionRead(process, key, invokedAt, history.Elapsed, token is not null, returned, workload.ReadFrom(response)));
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException)
        {
        }
    }
}
