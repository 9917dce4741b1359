using System.Diagnostics.Metrics;
using Replication.Contracts;

namespace Replication.Gateway;

/// <summary>
/// <c>gateway.added_latency</c> (meter <see cref="MeterNames.Gateway"/>): per forwarded request that a service answered, the
/// gateway's own time (from the forwarding endpoint's start to the end of the response) minus the answering attempt's
/// time at its service. Hedging delays and failed attempts count as the gateway's: that is latency it added.
/// </summary>
public sealed class AddedLatencyMeter
{
    // Sub-millisecond resolution where the happy path lives, up to the total timeout.
    private static readonly IReadOnlyList<double> Buckets =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Histogram<double> addedLatency;

    public AddedLatencyMeter(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterNames.Gateway);
        addedLatency = meter.CreateHistogram("gateway.added_latency", unit: "s",
            description: "Time the gateway adds to a request: its own time minus the answering attempt's time at the service.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });
    }

    public void Record(TimeSpan gatewayTime, TimeSpan upstreamTime) => addedLatency.Record(Math.Max(0, (gatewayTime - upstreamTime).TotalSeconds));
}
