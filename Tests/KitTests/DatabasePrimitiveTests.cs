using Replication.Tests.Kit;

namespace Replication.Tests.KitTests;

/// <summary>The kit's database primitives, proven against real PostgreSQL nodes.</summary>
[Collection(DatabaseFaultsGraph.Name)]
public sealed class DatabasePrimitiveTests(GraphFixture graph)
{
    [Fact]
    public async Task KillAsyncCrashesAReplicaAndStartAsyncBringsItBackStreaming()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var postmaster = graph.Faults.ProcessOf("pg-1");

        await graph.Database.KillAsync("pg-1", cancellationToken);

        Assert.False(ProcessTree.IsAlive(postmaster), "The postmaster survived SIGKILL.");
        Assert.DoesNotContain("pg-1", await graph.Database.StreamingStandbysAsync("pg-0", cancellationToken));

        await graph.Faults.StartAsync("pg-1", cancellationToken); // Healthy means streaming again.
        Assert.Contains("pg-1", await graph.Database.StreamingStandbysAsync("pg-0", cancellationToken));
    }

    [Fact]
    public async Task PromoteAsyncTurnsAReplicaIntoAWritablePrimary()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        Assert.True(await graph.Database.IsInRecoveryAsync("pg-2", cancellationToken));

        await graph.Database.PromoteAsync("pg-2", cancellationToken);

        Assert.False(await graph.Database.IsInRecoveryAsync("pg-2", cancellationToken));
        await using var connection = await graph.Database.OpenAsync("pg-2", cancellationToken: cancellationToken);
        await using var write = new Npgsql.NpgsqlCommand("CREATE TEMP TABLE promoted (id int); INSERT INTO promoted VALUES (1)", connection);
        await write.ExecuteNonQueryAsync(cancellationToken);
    }

    [Fact]
    public async Task LagAndLsnQueriesReportEveryReplica()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var visible = await graph.Database.MeasureWriteToVisibleAsync("pg-0", "pg-1", writes: 20, cancellationToken);
        var lag = await graph.Database.ReplayLagBytesAsync("pg-0", cancellationToken);
        var primaryLsn = await graph.Database.LsnAsync("pg-0", cancellationToken);

        var sorted = visible.Order().ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"write-to-visible on pg-1 over {sorted.Count} writes: p50 {sorted[sorted.Count / 2].TotalMilliseconds:F1} ms, " +
            $"max {sorted[^1].TotalMilliseconds:F1} ms; replay lag bytes {string.Join(", ", lag.Select(p => $"{p.Key}={p.Value}"))}; primary LSN {primaryLsn}");
        Assert.Equal(20, visible.Count);
        Assert.Contains("pg-1", lag.Keys);
        Assert.All(lag.Values, bytes => Assert.True(bytes >= 0));
        Assert.Matches("^[0-9A-F]+/[0-9A-F]+$", primaryLsn);
    }
}
