using System.Diagnostics;

namespace Replication.Testing;

/// <summary>What one database failover cost, measured from the client's side and the database's.</summary>
public sealed record DatabaseFailoverResult(
    string NewPrimary,
    TimeSpan TimeToPromotion,
    TimeSpan? TimeToFirstWrite,
    int AcknowledgedAfterKill,
    TimeSpan WriteP50BeforeKill,
    TimeSpan WriteP99BeforeKill,
    LoadReport Load,
    AcknowledgedWritesReport Writes)
{
    /// <summary>The node that was primary when the fault hit.</summary>
    public string FormerPrimary { get; init; } = "";

    /// <summary>The prefix of the keys the run wrote: to read its acknowledged writes back again later.</summary>
    public string KeyPrefix { get; init; } = "";

    /// <summary>Writes acknowledged before the fault: what was at stake.</summary>
    public int AcknowledgedBeforeKill { get; init; }

    public override string ToString() =>
        $"{AcknowledgedBeforeKill} writes acknowledged before the kill of {FormerPrimary}; promoted {NewPrimary} {TimeToPromotion.TotalMilliseconds:F0} ms after the kill; first acknowledged write " +
        $"{(TimeToFirstWrite is { } first ? $"{first.TotalMilliseconds:F0} ms" : "never")} after it; {AcknowledgedAfterKill} writes acknowledged since; " +
        $"write latency before the kill p50 {WriteP50BeforeKill.TotalMilliseconds:F1} ms, p99 {WriteP99BeforeKill.TotalMilliseconds:F1} ms.\n" +
        $"{Writes}\n{Load}";
}

/// <summary>
/// The Jepsen-style database failover: a stream of idempotent writes of the graph's workload, the primary's postmaster
/// SIGKILLed mid-stream, automatic promotion, then every acknowledged write read back.
/// </summary>
public static class DatabaseFailoverScenario
{
    public static Task<DatabaseFailoverResult> KillPrimaryUnderWritesAsync(Graph graph, CancellationToken cancellationToken = default) =>
        FaultPrimaryUnderWritesAsync(graph, primary => $"SIGKILL {primary}'s postmaster",
            primary => graph.Database.KillAsync(primary, cancellationToken), TimeSpan.FromSeconds(60), cancellationToken);

    /// <summary>
    /// The same stream of writes, with any fault that should cost the primary its role: <paramref name="inject"/> gets
    /// the primary's name and returns once the fault has taken effect; another node must accept writes within
    /// <paramref name="promotionTimeout"/>.
    /// </summary>
    public static async Task<DatabaseFailoverResult> FaultPrimaryUnderWritesAsync(
        Graph graph, Func<string, string> describe, Func<string, Task> inject, TimeSpan promotionTimeout, CancellationToken cancellationToken = default)
    {
        var formerPrimary = await graph.Database.FindPrimaryAsync(cancellationToken);
        await using var load = LoadProbe.Start(graph.Workload, new LoadOptions { Concurrency = 4, WriteFraction = 1, IdempotentWrites = true });
        await load.WaitForResponsesAsync(200, cancellationToken);

        load.MarkFault(describe(formerPrimary));
        var sinceKill = Stopwatch.StartNew();
        await inject(formerPrimary);
        // From here the fault is in force: a write sent later can be acknowledged only by a new primary. (Writes sent in the
        // moment it takes, and acknowledged by the dying primary, do not count as writes that resumed.)
        var inForce = load.Elapsed;
        var newPrimary = await NodeStatusReport.OnTimeoutAsync(graph,
            () => graph.Database.WaitForNewPrimaryAsync(formerPrimary, promotionTimeout, cancellationToken));
        var timeToPromotion = sinceKill.Elapsed;

        // Keep writing until writes have clearly resumed through the new primary.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && load.AcknowledgedWritesSince(inForce) < 50)
        {
            await load.WaitForResponsesAsync(20, cancellationToken);
        }

        var report = await load.StopAsync();
        var fault = report.Events[0].At;
        var afterKill = report.AcknowledgedWrites.Where(write => write.Start >= inForce).ToList();
        var firstWrite = afterKill.Count == 0 ? (TimeSpan?)null : afterKill.Min(write => write.Start + write.Latency) - fault;
        var writes = await AcknowledgedWrites.VerifyAsync(report, cancellationToken);
        var before = report.AcknowledgedWrites.Where(write => write.Start < fault).Select(write => write.Latency).ToList();
        var acknowledgedBeforeKill = report.AcknowledgedWrites.Count(write => write.Start + write.Latency < fault);
        return new DatabaseFailoverResult(newPrimary, timeToPromotion, firstWrite, afterKill.Count, Percentiles.Of(before, 0.50), Percentiles.Of(before, 0.99),
            report, writes) { FormerPrimary = formerPrimary, KeyPrefix = load.KeyPrefix, AcknowledgedBeforeKill = acknowledgedBeforeKill };
    }
}
