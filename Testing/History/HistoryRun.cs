namespace Replication.Testing;

/// <summary>
/// A Jepsen-style run against a graph: unique writes of the graph's workload (<see cref="UniqueWrites"/>), logged in an
/// <see cref="OperationHistory"/>, nemeses in between, and at the end the <see cref="HistoryChecker"/> against the
/// workload's final read, straight from the database.
/// <code>
/// await using var run = await HistoryRun.StartAsync(graph, output: Console.WriteLine);
/// await run.WaitForAcknowledgedWritesAsync(50);
/// await new NemesisSchedule().Start(kill).Stop(kill).RunAsync(run.Nemeses, cancellationToken);
/// var report = await run.FinishAsync(cancellationToken);
/// if (!report.Valid) throw new Exception(report.ToString());
/// </code>
/// </summary>
public sealed class HistoryRun : IAsyncDisposable
{
    /// <summary>How long writes may take to be acknowledged again, e.g. through a promoted replica.</summary>
    public static readonly TimeSpan AcknowledgementTimeout = TimeSpan.FromSeconds(60);

    private readonly Graph graph;
    private readonly Action<string>? output;
    private readonly UniqueWrites writes;

    private HistoryRun(Graph graph, UniqueWriteOptions? options, Action<string>? output)
    {
        this.graph = graph;
        this.output = output;
        Nemeses = new NemesisContext(graph, History, output);
        writes = UniqueWrites.Start(graph.Workload, History, options);
    }

    public OperationHistory History { get; } = new();

    /// <summary>For the nemeses of the run: they log into its history.</summary>
    public NemesisContext Nemeses { get; }

    /// <summary>Repairs the graph to full strength first, so the run does not inherit an earlier scenario's faults.</summary>
    public static async Task<HistoryRun> StartAsync(
        Graph graph, UniqueWriteOptions? options = null, Action<string>? output = null, CancellationToken cancellationToken = default)
    {
        await GraphRepair.RestoreAsync(graph, output, cancellationToken).ConfigureAwait(false);
        return new HistoryRun(graph, options, output);
    }

    /// <summary>Waits until <paramref name="count"/> more operations have been acknowledged.</summary>
    public Task WaitForAcknowledgedWritesAsync(int count, CancellationToken cancellationToken = default)
    {
        var since = History.Elapsed;
        return Poll.UntilOrThrowAsync(_ => Task.FromResult(History.AcknowledgedSince(since) >= count), AcknowledgementTimeout,
            TimeSpan.FromMilliseconds(20), $"{count} acknowledged writes", cancellationToken);
    }

    /// <summary>
    /// Repairs the graph, lets the writes (and the retries of indeterminate ones) go on until some are acknowledged,
    /// stops them, resolves every write still indeterminate by replaying it with its key
    /// (<see cref="UniqueWrites.ResolveUnknownAsync"/>; what stays unknown is <see cref="HistoryReport.Unknown"/>), reads
    /// every value back from the current primary, checks the history and prints the report.
    /// </summary>
    public async Task<HistoryReport> FinishAsync(CancellationToken cancellationToken = default)
    {
        await Nemeses.ThawAllAsync().ConfigureAwait(false);
        await GraphRepair.RestoreAsync(graph, Nemeses.Log, cancellationToken).ConfigureAwait(false);
        await WaitForAcknowledgedWritesAsync(20, cancellationToken).ConfigureAwait(false);
        await writes.StopAsync().ConfigureAwait(false);
        await writes.ResolveUnknownAsync(cancellationToken).ConfigureAwait(false);
        var report = HistoryChecker.Check(History, await graph.Workload.StoredKeysAsync(writes.ValuePrefix, cancellationToken).ConfigureAwait(false));
        output?.Invoke($"Final read, straight from the database.\n{report}");
        return report;
    }

    public async ValueTask DisposeAsync()
    {
        await Nemeses.ThawAllAsync().ConfigureAwait(false);
        await writes.DisposeAsync().ConfigureAwait(false);
    }
}
