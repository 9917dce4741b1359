using System.Diagnostics;

namespace Replication.Tests.Kit;

/// <summary>What one database failover cost, measured from the client's side and the database's.</summary>
public sealed record DatabaseFailoverResult(
    string FormerPrimary,
    string NewPrimary,
    TimeSpan TimeToPromotion,
    TimeSpan? TimeToFirstWrite,
    int AcknowledgedAfterKill,
    TimeSpan WriteP50BeforeKill,
    TimeSpan WriteP99BeforeKill,
    LoadReport Load,
    string EmailPrefix,
    AcknowledgedWritesReport Writes)
{
    public override string ToString() =>
        $"killed {FormerPrimary}, promoted {NewPrimary} {TimeToPromotion.TotalMilliseconds:F0} ms after the kill; first acknowledged write " +
        $"{(TimeToFirstWrite is { } first ? $"{first.TotalMilliseconds:F0} ms" : "never")} after it; {AcknowledgedAfterKill} writes acknowledged since; " +
        $"write latency before the kill p50 {WriteP50BeforeKill.TotalMilliseconds:F1} ms, p99 {WriteP99BeforeKill.TotalMilliseconds:F1} ms.\n" +
        $"{Writes}\n{Load}";
}

/// <summary>
/// The Jepsen-style database failover: a stream of idempotent writes through the gateway, the primary's postmaster
/// SIGKILLed mid-stream, automatic promotion, then every acknowledged write read back.
/// </summary>
public static class DatabaseFailoverScenario
{
    public static async Task<DatabaseFailoverResult> KillPrimaryUnderWritesAsync(GraphFixture graph, CancellationToken cancellationToken = default)
    {
        var formerPrimary = await graph.Database.FindPrimaryAsync(cancellationToken);
        await using var load = LoadProbe.Start(graph.Gateway, new LoadOptions { Concurrency = 4, WriteFraction = 1, IdempotentWrites = true });
        await load.WaitForResponsesAsync(200, cancellationToken);

        load.MarkFault($"SIGKILL {formerPrimary}'s postmaster");
        var sinceKill = Stopwatch.StartNew();
        await graph.Database.KillAsync(formerPrimary, cancellationToken);
        // From here the postmaster is gone: a write sent later can be acknowledged only by a new primary. (Writes sent
        // in the moment the kill takes, and acknowledged by the dying primary, do not count as writes that resumed.)
        var dead = load.Elapsed;
        var newPrimary = await graph.Database.WaitForNewPrimaryAsync(formerPrimary, TimeSpan.FromSeconds(60), cancellationToken);
        var timeToPromotion = sinceKill.Elapsed;

        // Keep writing until writes have clearly resumed through the new primary.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && load.AcknowledgedWritesSince(dead) < 50)
        {
            await load.WaitForResponsesAsync(20, cancellationToken);
        }

        var report = await load.StopAsync();
        var fault = report.Events[0].At;
        var afterKill = report.AcknowledgedWrites.Where(write => write.Start >= dead).ToList();
        var firstWrite = afterKill.Count == 0 ? (TimeSpan?)null : afterKill.Min(write => write.Start + write.Latency) - fault;
        var writes = await AcknowledgedWrites.VerifyAsync(report, load.EmailPrefix, graph.Database, cancellationToken);
        var before = report.AcknowledgedWrites.Where(write => write.Start < fault).Select(write => write.Latency).ToList();
        return new DatabaseFailoverResult(formerPrimary, newPrimary, timeToPromotion, firstWrite, afterKill.Count,
            Percentiles.Of(before, 0.50), Percentiles.Of(before, 0.99), report, load.EmailPrefix, writes);
    }
}
