using System.Collections.Concurrent;

namespace Replication.Testing;

/// <summary>Keeps the last lines each resource logged, so a failure can show what the resource said.</summary>
public sealed class ResourceLogCollector : IAsyncDisposable
{
    private const int LinesKept = 40;
    private const string LogDirectoryVariable = "REPLICATION_RESOURCE_LOG_DIR";
    private static int boots;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> lines = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> watchers = [];
    private readonly string? logDirectory;

    private ResourceLogCollector(string? logDirectory) => this.logDirectory = logDirectory;

    /// <summary>
    /// Starts watching every resource of <paramref name="app"/>. With <c>REPLICATION_RESOURCE_LOG_DIR</c> set, every line
    /// is also kept, stamped when it arrived, in <c>&lt;dir&gt;/&lt;graph&gt;-&lt;n&gt;/&lt;resource&gt;.log</c>: one directory
    /// per boot, since graphs side by side have resources of the same names.
    /// </summary>
    public static ResourceLogCollector Start(DistributedApplication app, string graphName)
    {
        var logDirectory = Environment.GetEnvironmentVariable(LogDirectoryVariable) is { Length: > 0 } root
            ? Directory.CreateDirectory(Path.Combine(root, $"{graphName}-{Interlocked.Increment(ref boots)}")).FullName
            : null;
        var collector = new ResourceLogCollector(logDirectory);

        var loggerService = app.Services.GetRequiredService<ResourceLoggerService>();
        foreach (var resource in app.Services.GetRequiredService<DistributedApplicationModel>().Resources)
        {
            collector.watchers.Add(collector.WatchAsync(loggerService, resource));
        }

        return collector;
    }

    /// <summary>
    /// Keeps <paramref name="text"/> as <paramref name="fileName"/> beside the resources' logs, when they are kept; as
    /// they are, at best: a directory this user cannot write to (another user's run made it) costs the file, not the boot.
    /// </summary>
    internal void Keep(string fileName, string text)
    {
        if (logDirectory is null)
        {
            return;
        }

        try
        {
            File.WriteAllText(Path.Combine(logDirectory, fileName), text);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
        }
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
        using var file = logDirectory is null ? null : new StreamWriter(Path.Combine(logDirectory, resource.Name + ".log"), append: true) { AutoFlush = true };

        try
        {
            // By resource, not by name: Aspire logs a project under its instance id (gateway-xyz), not its name.
            await foreach (var batch in loggerService.WatchAsync(resource).WithCancellation(stopping.Token))
            {
                foreach (var line in batch)
                {
                    queue.Enqueue(line.Content);
                    file?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line.Content}");
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
