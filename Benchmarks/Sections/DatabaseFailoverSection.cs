using Replication.Benchmarks.Reporting;

namespace Replication.Benchmarks.Sections;

/// <summary>The kit's database-failover scenario (primary's postmaster SIGKILLed under idempotent writes), Async against Sync.</summary>
public static class DatabaseFailoverSection
{
    public static ResultTable CreateTable()
    {
        var table = new ResultTable("database-failover", "Database failover: primary's postmaster SIGKILLed under 4 writing clients",
            "durability", "kill → promotion s", "kill → first acknowledged write s", "acknowledged", "lost", "stored", "write p50 ms before", "write p99 ms before");
        table.Notes.Add("Automatic promotion after Postgres:FailoverAfter (3 s); every acknowledged write is read back from the new primary.");
        return table;
    }

    public static async Task<DatabaseFailoverResult> MeasureAsync(ResultTable table, GraphFixture graph, string durability, CancellationToken cancellationToken)
    {
        Progress.Log($"Database failover: {durability}");
        var result = await DatabaseFailoverScenario.KillPrimaryUnderWritesAsync(graph, cancellationToken);
        table.Add(durability, ResultTable.Seconds(result.TimeToPromotion), ResultTable.Seconds(result.TimeToFirstWrite), result.Writes.Acknowledged,
            result.Writes.Lost, result.Writes.Stored, ResultTable.Milliseconds(result.WriteP50BeforeKill), ResultTable.Milliseconds(result.WriteP99BeforeKill));
        return result;
    }
}
