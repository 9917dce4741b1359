using System.Collections.Concurrent;

namespace Replication.Tests.Kit;

/// <summary>Keeps the last lines each resource logged, so a failure can show what the resource said.</summary>
public sealed class ResourceLogCollector : IAsyncDisposable
{
    private const int LinesKept = 40;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> lines = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> watchers = [];

    public static ResourceLogCollector Start(DistributedApplication app)
    {
        var collector = new ResourceLogCollector();
        var loggerService = app.Services.GetRequiredService<ResourceLoggerService>();
        foreach (var resource in app.Services.GetRequiredService<DistributedApplicationModel>().Resources)
        {
            collector.watchers.Add(collector.WatchAsync(loggerService, resource));
        }

        return collector;
    }

    public IReadOnlyList<string> RecentLines(string resourceName) =>
        lines.TryGetValue(resourceName, out var queue) ? [.. queue] : [];

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await Task.WhenAll(watchers).ContinueWith(_ => { }, TaskScheduler.Default);
        stopping.Dispose();
    }

    private async Task WatchAsync(ResourceLoggerService loggerService, IResource resource)
    {
        var queue = lines.GetOrAdd(resource.Name, _ => new ConcurrentQueue<string>());
        try
        {
            // By resource, not by name: Aspire logs a project under its instance id (gateway-xyz), not its name.
            await foreach (var batch in loggerService.WatchAsync(resource).WithCancellation(stopping.Token))
            {
                foreach (var line in batch)
                {
                    queue.Enqueue(line.Content);
                    while (queue.Count > LinesKept)
                    {
                        queue.TryDequeue(out _);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
