using System.Globalization;
using System.Text;

namespace Replication.Testing;

/// <summary>
/// What a <see cref="LoadProbe"/> saw: counts, latency percentiles, who served, and how fast traffic moved from the
/// workload's primary backend to its backup and back.
/// </summary>
public sealed class LoadReport(IReadOnlyList<LoadSample> samples, IReadOnlyList<LoadEvent> events, TimeSpan duration, LoadOptions options, string keyPrefix, HttpWorkload workload)
{
    private static readonly TimeSpan BucketWidth = TimeSpan.FromMilliseconds(500);

    /// <summary>Every key the probe wrote starts with it.</summary>
    public string KeyPrefix { get; } = keyPrefix;

    /// <summary>The workload the probe drove, whose final read checks the acknowledged writes.</summary>
    public HttpWorkload Workload { get; } = workload;

    public IReadOnlyList<LoadSample> Samples { get; } = samples;

    public IReadOnlyList<LoadEvent> Events { get; } = events;

    public TimeSpan Duration { get; } = duration;

    public int Total => Samples.Count;

    public int Failed => Samples.Count(sample => !sample.Succeeded);

    public double RequestsPerSecond => Total / Duration.TotalSeconds;

    public TimeSpan P50 => Percentile(0.50);

    public TimeSpan P99 => Percentile(0.99);

    public TimeSpan Max => Samples.Count == 0 ? TimeSpan.Zero : Samples.Max(sample => sample.Latency);

    public IReadOnlyList<LoadSample> AcknowledgedWrites => [.. Samples.Where(sample => sample.IsAcknowledgedWrite)];

    public IReadOnlyDictionary<string, int> ServedBy => Samples
        .GroupBy(sample => sample.ServedBy ?? "(none)")
        .ToDictionary(group => group.Key, group => group.Count());

    /// <summary>From the first fault to the first response the workload's backup served after it.</summary>
    public TimeSpan? TimeToFailover => Workload.Backup is { } backup ? TimeToFirstResponse(LoadEventKind.Fault, backup, first: true) : null;

    /// <summary>From the last recovery to the first response the workload's primary served after it.</summary>
    public TimeSpan? TimeToFailback => Workload.Primary is { } primary ? TimeToFirstResponse(LoadEventKind.Recovery, primary, first: false) : null;

    public IEnumerable<LoadSample> ServedAfter(TimeSpan moment) => Samples.Where(sample => sample.Start >= moment);

    public TimeSpan Percentile(double quantile) => Percentiles.Of(Samples.Select(sample => sample.Latency), quantile);

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Load: {options.Concurrency} clients, {options.WriteFraction:P0} writes, {Duration.TotalSeconds:F1} s");
        text.AppendLine("| total | failed | req/s | p50 ms | p99 ms | max ms | failover ms | failback ms |");
        text.AppendLine("|------:|-------:|------:|-------:|-------:|-------:|------------:|------------:|");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| {Total} | {Failed} | {RequestsPerSecond:F0} | {P50.TotalMilliseconds:F1} | {P99.TotalMilliseconds:F1} | {Max.TotalMilliseconds:F1} | {Format(TimeToFailover)} | {Format(TimeToFailback)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"Served by: {string.Join(", ", ServedBy.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))}");
        foreach (var loadEvent in Events)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"At {loadEvent.At.TotalSeconds:F2} s: {loadEvent.Kind} ({loadEvent.Description})");
        }

        text.AppendLine("Served by, per 500 ms (primary/backup/failed):");
        text.AppendLine(string.Join(" ", Samples
            .GroupBy(sample => (int)(sample.Start / BucketWidth))
            .OrderBy(bucket => bucket.Key)
            .Select(bucket => $"{bucket.Count(s => s.ServedBy == Workload.Primary)}/{bucket.Count(s => s.ServedBy == Workload.Backup)}/{bucket.Count(s => !s.Succeeded)}")));

        foreach (var error in Samples.Where(sample => !sample.Succeeded).GroupBy(sample => sample.Error ?? $"HTTP {sample.Status}").Take(5))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Failure x{error.Count()}: {error.Key}");
        }

        return text.ToString();
    }

    private TimeSpan? TimeToFirstResponse(LoadEventKind kind, string servedBy, bool first)
    {
        var marks = Events.Where(e => e.Kind == kind).ToList();
        if (marks.Count == 0)
        {
            return null;
        }

        var mark = first ? marks[0].At : marks[^1].At;
        var response = Samples.Where(sample => sample.Start >= mark && sample.ServedBy == servedBy).MinBy(sample => sample.Start + sample.Latency);
        return response is null ? null : response.Start + response.Latency - mark;
    }

    private static string Format(TimeSpan? value) => value is null ? "-" : value.Value.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture);
}
