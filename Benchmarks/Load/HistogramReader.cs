using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace Replication.Benchmarks.Load;

/// <summary>The percentiles of a histogram's measurements over one refresh interval, in the instrument's unit.</summary>
public sealed record HistogramQuantiles(double P50, double P95, double P99);

/// <summary>
/// Reads one histogram of a running .NET process over EventPipe, the way dotnet-counters does: the runtime's
/// <c>System.Diagnostics.Metrics</c> event source aggregates the instrument in that process and publishes its
/// percentiles once per refresh interval. Independent of the process's OpenTelemetry (it works with the SDK disabled).
/// </summary>
public sealed class HistogramReader : IAsyncDisposable
{
    private const string MetricsProvider = "System.Diagnostics.Metrics";
    private const long TimeSeriesValues = 0x2;

    private readonly EventPipeSession session;
    private readonly EventPipeEventSource source;
    private readonly Task processing;
    private readonly List<HistogramQuantiles> intervals = [];
    private readonly Lock gate = new();
    private bool stopped;

    private HistogramReader(int pid, string meter, string instrument, TimeSpan refreshInterval)
    {
        var sessionId = Guid.NewGuid().ToString("N");
        var provider = new EventPipeProvider(MetricsProvider, EventLevel.Informational, TimeSeriesValues, new Dictionary<string, string>
        {
            ["SessionId"] = sessionId,
            ["Metrics"] = $"{meter}\\{instrument}",
            ["RefreshInterval"] = refreshInterval.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ["MaxTimeSeries"] = "100",
            ["MaxHistograms"] = "10",
        });
        session = new DiagnosticsClient(pid).StartEventPipeSession([provider], requestRundown: false);
        source = new EventPipeEventSource(session.EventStream);
        source.Dynamic.All += data =>
        {
            if (data.ProviderName == MetricsProvider && data.EventName == "HistogramValuePublished"
                && data.PayloadByName("sessionId") as string == sessionId && data.PayloadByName("instrumentName") as string == instrument
                && Parse(data.PayloadByName("quantiles") as string) is { } quantiles)
            {
                lock (gate)
                {
                    intervals.Add(quantiles);
                }
            }
        };
        processing = Task.Run(source.Process);
    }

    public static HistogramReader Start(int pid, string meter, string instrument, TimeSpan refreshInterval) =>
        new(pid, meter, instrument, refreshInterval);

    /// <summary>Ends the session; the intervals in which the instrument recorded something.</summary>
    public async Task<IReadOnlyList<HistogramQuantiles>> StopAsync()
    {
        stopped = true;
        await session.StopAsync(CancellationToken.None);
        await processing;
        lock (gate)
        {
            return [.. intervals];
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!stopped)
            {
                await session.StopAsync(CancellationToken.None);
            }
        }
        catch (ServerNotAvailableException)
        {
            // The process is gone: so is its session.
        }

        await processing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        source.Dispose();
        session.Dispose();
    }

    // "0.5=0.00013;0.95=0.00028;0.99=0.0006"; empty when nothing was recorded in the interval.
    private static HistogramQuantiles? Parse(string? quantiles)
    {
        var values = (quantiles ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('='))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => double.Parse(pair[1], CultureInfo.InvariantCulture));
        return values.TryGetValue("0.5", out var p50) && values.TryGetValue("0.95", out var p95) && values.TryGetValue("0.99", out var p99)
            ? new HistogramQuantiles(p50, p95, p99)
            : null;
    }
}
