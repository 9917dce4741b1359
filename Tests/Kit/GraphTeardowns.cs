namespace Replication.Tests.Kit;

/// <summary>
/// Lets one collection's graph stop while the next collection's graph boots. xunit disposes a collection's fixture
/// before it creates the next one, and a graph takes about as long to stop (DCP stopping every process, PostgreSQL's
/// shutdown checkpoint) as the next one takes to boot: doing both at once saves one of them per collection. The next
/// graph's tests still start only once every earlier graph has stopped (<see cref="GraphFixture"/> waits here after its
/// boot), and the test assembly waits for the last one before it ends, so no scenario shares the machine with a stopping
/// graph, and no process, container or directory outlives the run. Register it as an assembly fixture to turn it on;
/// without it (the benchmark, a fixture used by hand) a graph is stopped before <c>DisposeAsync</c> returns.
/// </summary>
public sealed class GraphTeardowns : IAsyncLifetime
{
    private static readonly Lock Gate = new();
    private static readonly List<Task> Stopping = [];
    private static volatile bool enabled;

    /// <summary>Whether disposed graphs stop in the background (while the assembly fixture lives).</summary>
    internal static bool Enabled => enabled;

    internal static void Add(Task stopping)
    {
        lock (Gate)
        {
            Stopping.Add(stopping);
        }
    }

    /// <summary>Returns once every graph handed over so far has stopped, or failed to; the failures are the assembly's.</summary>
    internal static async Task WaitUntilStoppedAsync()
    {
        await Task.WhenAll(Snapshot()).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public ValueTask InitializeAsync()
    {
        enabled = true;
        return ValueTask.CompletedTask;
    }

    /// <summary>Waits for the graphs still stopping; a stop that failed (or timed out) fails the test assembly.</summary>
    public async ValueTask DisposeAsync()
    {
        enabled = false;
        await Task.WhenAll(Snapshot());
    }

    /// <summary>A collection fixture for a collection without a graph that must not run beside a stopping one.</summary>
    public sealed class Done : IAsyncLifetime
    {
        public async ValueTask InitializeAsync() => await WaitUntilStoppedAsync();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static Task[] Snapshot()
    {
        lock (Gate)
        {
            return [.. Stopping];
        }
    }
}
