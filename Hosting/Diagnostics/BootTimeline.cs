using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>One resource's boot: when it was created, started, seen Running and seen healthy, and what it waited for.</summary>
/// <param name="Name">The resource.</param>
/// <param name="WaitsFor">The resources it waits for (<c>WaitFor</c>, <c>WaitForCompletion</c>).</param>
/// <param name="Created">When it was created, from the AppHost's start.</param>
/// <param name="Started">When it started (its process or container).</param>
/// <param name="Running">When it was first seen Running (or, for a helper that runs to completion, Finished).</param>
/// <param name="Healthy">When it was first seen healthy; null when it has no health check or is not healthy yet.</param>
public sealed record ResourceBoot(string Name, IReadOnlyList<string> WaitsFor, TimeSpan? Created, TimeSpan? Started, TimeSpan? Running, TimeSpan? Healthy)
{
    /// <summary>When it was ready: healthy, or running (finished) when it has no health check.</summary>
    public TimeSpan? Ready => Healthy ?? Running;
}

/// <summary>
/// The boot of an app, resource by resource, as a table: when each resource was created, started, running and
/// healthy, and what it waited for. The critical path shows as the chain of waits whose readiness comes last. Watch
/// an app from its start (<see cref="Watch"/>), then read it once every resource is ready (<see cref="Table"/>).
/// </summary>
public sealed class BootTimeline
{
    private readonly DateTime origin;
    private readonly IReadOnlyList<IResource> resources;
    private readonly ConcurrentDictionary<string, (TimeSpan? Running, TimeSpan? Healthy, DateTime? Created, DateTime? Started)> seen = new();

    private BootTimeline(DateTime origin, IReadOnlyList<IResource> resources)
    {
        this.origin = origin;
        this.resources = resources;
    }

    /// <summary>
    /// Starts watching every resource of <paramref name="model"/> until <paramref name="stop"/> is cancelled; times are
    /// counted from <paramref name="origin"/> (e.g. the AppHost process's start).
    /// </summary>
    public static BootTimeline Watch(DistributedApplicationModel model, ResourceNotificationService notifications, DateTime origin, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(notifications);
        var timeline = new BootTimeline(origin, [.. model.Resources]);
        _ = timeline.WatchAsync(notifications, stop);
        return timeline;
    }

    /// <summary>Every resource's boot so far, in the order each became ready (those not ready yet last).</summary>
    public IReadOnlyList<ResourceBoot> Resources =>
        [.. resources.Select(Boot).OrderBy(boot => boot.Ready ?? TimeSpan.MaxValue).ThenBy(boot => boot.Name, StringComparer.Ordinal)];

    /// <summary>
    /// When the app was ready: every resource with a health check healthy, and every resource another waits for running
    /// (or finished); null while one is not.
    /// </summary>
    public TimeSpan? AllReady
    {
        get
        {
            var required = Resources.Where(boot => IsAwaited(boot.Name)).ToList();
            return required.Count == 0 || required.Any(boot => boot.Ready is null) ? null : required.Max(boot => boot.Ready);
        }
    }

    /// <summary>The boot as a text table, times in seconds from the origin.</summary>
    public string Table()
    {
        var rows = Resources;
        var width = Math.Max(8, rows.Max(row => row.Name.Length));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"resource".PadRight(width)}  created  started  running  healthy  waits for");
        foreach (var row in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{row.Name.PadRight(width)}  {Seconds(row.Created)}  {Seconds(row.Started)}  {Seconds(row.Running)}  {Seconds(row.Healthy)}  {string.Join(", ", row.WaitsFor)}");
        }

        return text.ToString();
    }

    private async Task WatchAsync(ResourceNotificationService notifications, CancellationToken stop)
    {
        try
        {
            await foreach (var resourceEvent in notifications.WatchAsync(stop).ConfigureAwait(false))
            {
                var now = DateTime.UtcNow - origin;
                var snapshot = resourceEvent.Snapshot;
                seen.AddOrUpdate(resourceEvent.Resource.Name,
                    _ => Update(default, snapshot, now),
                    (_, previous) => Update(previous, snapshot, now));
            }
        }
        catch (OperationCanceledException)
        {
            // The app stopped, or the watch was no longer wanted.
        }
    }

    private static (TimeSpan? Running, TimeSpan? Healthy, DateTime? Created, DateTime? Started) Update(
        (TimeSpan? Running, TimeSpan? Healthy, DateTime? Created, DateTime? Started) previous, CustomResourceSnapshot snapshot, TimeSpan now)
    {
        var state = snapshot.State?.Text;
        var running = previous.Running ?? (state == KnownResourceStates.Running || state == KnownResourceStates.Finished ? now : null);
        var healthy = previous.Healthy ?? (snapshot.HealthReports.Length > 0 && snapshot.HealthStatus == HealthStatus.Healthy ? now : null);
        return (running, healthy, previous.Created ?? snapshot.CreationTimeStamp, previous.Started ?? snapshot.StartTimeStamp);
    }

    private ResourceBoot Boot(IResource resource)
    {
        var (running, healthy, created, started) = seen.GetValueOrDefault(resource.Name);
        var waits = resource.Annotations.OfType<WaitAnnotation>()
            .Select(wait => wait.WaitType == WaitType.WaitUntilHealthy ? wait.Resource.Name : $"{wait.Resource.Name} (done)")
            .ToList();
        return new ResourceBoot(resource.Name, waits, Since(created), Since(started), running, healthy);
    }

    private bool IsAwaited(string name) =>
        resources.First(resource => resource.Name == name).Annotations.OfType<HealthCheckAnnotation>().Any()
        || resources.Any(resource => resource.Annotations.OfType<WaitAnnotation>().Any(wait => wait.Resource.Name == name));

    private TimeSpan? Since(DateTime? timestamp) => timestamp is { } at ? at.ToUniversalTime() - origin : null;

    private static string Seconds(TimeSpan? value) =>
        (value is { } time ? time.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) : "-").PadLeft(7);
}
