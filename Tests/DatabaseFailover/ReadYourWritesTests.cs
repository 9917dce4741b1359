using System.Collections.Concurrent;
using System.Net.Http.Json;
using Replication.Tests.Kit;
using Replication.UsersApi;

namespace Replication.Tests.DatabaseFailover;

/// <summary>Replicas replay 300 ms late here, so only the consistency token stands between a client and a stale read.</summary>
[Collection(DelayedReplicasGraph.Name)]
public sealed class ReadYourWritesTests(DelayedReplicasGraph graph)
{
    [Fact]
    public async Task ReadsCarryingTheTokenNeverMissTheWrite_AndReadsWithoutItAreSeenToBeStale()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var primary = await graph.Database.FindPrimaryAsync(cancellationToken);

        var withToken = await WriteThenReadAsync(pairs: 1000, sendToken: true, cancellationToken);
        var withoutToken = await WriteThenReadAsync(pairs: 200, sendToken: false, cancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"with token: {withToken.Stale} stale of 1000, read from {Describe(withToken.ReadFrom)}; " +
            $"without: {withoutToken.Stale} stale of 200 (from {Describe(withoutToken.StaleFrom)}), read from {Describe(withoutToken.ReadFrom)}");

        Assert.Equal(0, withToken.Stale);
        // The replicas are 300 ms behind and a replica is waited for 100 ms at most: the read had to fall back to the primary.
        Assert.True(withToken.ReadFrom.GetValueOrDefault(primary) > 0, $"No token read fell back to the primary {primary}: {Describe(withToken.ReadFrom)}.");
        Assert.True(withoutToken.Stale > 0, "No stale read without the token: the test could not have seen one.");
        Assert.True(withoutToken.StaleFrom.Keys.All(node => node != primary), $"A read from the primary was stale: {Describe(withoutToken.StaleFrom)}.");
    }

    /// <summary>
    /// The session checker's negative control: the same history of writes, each read back at once, judged the same way;
    /// only the token differs. Without it the checker must see the replicas' lag, or it is blind.
    /// </summary>
    [Fact]
    public async Task TheSessionChecker_FindsReadYourWritesViolationsWithoutTheToken_AndNoneWithIt()
    {
        var cancellationToken = TestContext.Current.CancellationToken;

        var withToken = await SessionHistoryAsync(SessionReads.WithToken, cancellationToken);
        var withoutToken = await SessionHistoryAsync(SessionReads.WithoutToken, cancellationToken);

        Assert.True(withToken.Valid, $"A read carrying the session token missed the client's own write:\n{withToken}");
        Assert.True(withToken.Session.Reads.Count(read => read.WithToken) >= 100, $"Too few reads with the token to judge:\n{withToken}");
        Assert.True(withoutToken.Session.Count(SessionViolationKind.ReadYourWrites) > 0,
            $"Reads without the token from replicas 300 ms behind never missed a write: the session checker is blind.\n{withoutToken}");
        Assert.False(withoutToken.Valid);
    }

    /// <summary>
    /// The monotonic-reads negative control, on real replicas: one of them stops replaying (<c>pg_wal_replay_pause</c>),
    /// so a client that found an earlier write of its own on the other one can, reading it again without the token, land
    /// on the paused one and find nothing. The checker must say so.
    /// </summary>
    [Fact]
    public async Task TheSessionChecker_FindsMonotonicReadsViolations_WhenOneReplicaStopsReplaying()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var primary = await graph.Database.FindPrimaryAsync(cancellationToken);
        var paused = graph.Database.Nodes.Select(node => node.Name).Last(name => name != primary);
        await graph.Database.QueryAsync<bool>(paused, "SELECT true FROM pg_wal_replay_pause()", cancellationToken);
        HistoryReport report;
        try
        {
            report = await SessionHistoryAsync(SessionReads.WithoutToken, cancellationToken, minimumReads: 600);
            // Recovery pauses once it has WAL to replay, which the history's writes gave it.
            Assert.Equal("paused", await graph.Database.QueryAsync<string>(paused, "SELECT pg_get_wal_replay_pause_state()", cancellationToken));
        }
        finally
        {
            await graph.Database.QueryAsync<bool>(paused, "SELECT true FROM pg_wal_replay_resume()", CancellationToken.None);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{paused} paused: {report.Session}");
        Assert.True(report.Session.Reads.Any(read => read.Node == paused), $"No read was served by the paused replica {paused}:\n{report}");
        Assert.True(report.Session.Count(SessionViolationKind.MonotonicReads) > 0,
            $"No client found less than it had found before, with {paused} frozen in the past: the session checker is blind to monotonic reads.\n{report}");
        Assert.False(report.Valid);
    }

    private async Task<HistoryReport> SessionHistoryAsync(SessionReads reads, CancellationToken cancellationToken, int minimumReads = 100)
    {
        Action<string> output = line => TestContext.Current.TestOutputHelper?.WriteLine(line);
        await using var run = await HistoryRun.StartAsync(graph, new UniqueWriteOptions { SessionReads = reads }, output, cancellationToken);
        await Poll.UntilOrThrowAsync(_ => Task.FromResult(run.History.Reads.Count >= minimumReads), HistoryRun.AcknowledgementTimeout, TimeSpan.FromMilliseconds(20),
            $"{minimumReads} reads of the clients' own writes", cancellationToken);
        return await run.FinishAsync(cancellationToken);
    }

    [Fact]
    public async Task ATokenReadIsServedByAReplicaThatHasReplayedTheWrite()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var primary = await graph.Database.FindPrimaryAsync(cancellationToken);
        var replicas = graph.Database.Nodes.Select(node => node.Name).Where(name => name != primary).ToList();
        for (var i = 0; i < 5; i++)
        {
            using var created = await graph.Gateway.PostUserAsync("Reader", UsersApiClient.UniqueEmail("ryw"), cancellationToken: cancellationToken);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var user = (await created.Content.ReadFromJsonAsync<UserResponse>(cancellationToken))!;
            var token = created.Header(ReplicationHeaders.ConsistencyToken)!;
            Assert.True(ConsistencyToken.TryParse(token, out var written), $"The write's token {token} does not parse.");
            foreach (var replica in replicas)
            {
                await Poll.UntilOrThrowAsync(token2 => graph.Database.QueryAsync<bool>(replica, "SELECT pg_last_wal_replay_lsn() >= @position::pg_lsn", token2, ("position", written.Position.ToString())),
                    TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20), $"{replica} to replay {token}", cancellationToken);
            }

            using var read = new HttpRequestMessage(HttpMethod.Get, $"/users/{user.Id}");
            read.Headers.Add(ReplicationHeaders.ConsistencyToken, token);
            using var response = await graph.Gateway.SendAsync(read, cancellationToken);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            // Every replica has the write, so the token must not send the read to the primary.
            Assert.Contains(response.Header(ReplicationHeaders.ReadFrom), replicas);
        }
    }

    [Theory]
    [InlineData("not-an-lsn")]
    [InlineData("2147483647:0/0")] // well formed, but on a timeline the primary has not reached
    [InlineData("0/3000148")] // a position without its timeline
    [InlineData("0/0/0")]
    public async Task AnImpossibleTokenGets400(string token)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/users?limit=1");
        request.Headers.TryAddWithoutValidation(ReplicationHeaders.ConsistencyToken, token);

        using var response = await graph.Gateway.SendAsync(request, cancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ReplicaKilledUnderReadLoad_NoRequestFails()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var load = LoadProbe.Start(graph.Workload, new LoadOptions { Concurrency = 8, WriteFraction = 0 });
        await load.WaitForResponsesAsync(200, cancellationToken);

        load.MarkFault("SIGKILL pg-1");
        await graph.Database.KillAsync("pg-1", cancellationToken);
        await load.WaitForResponsesAsync(500, cancellationToken);
        load.MarkRecovery("start pg-1");
        await graph.Faults.StartAsync("pg-1", cancellationToken);
        await load.WaitForResponsesAsync(200, cancellationToken);
        var report = await load.StopAsync();
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());

        Assert.True(report.Failed == 0, $"Reads failed while a replica died:\n{report}");
    }

    private async Task<(int Stale, IReadOnlyDictionary<string, int> ReadFrom, IReadOnlyDictionary<string, int> StaleFrom)> WriteThenReadAsync(
        int pairs, bool sendToken, CancellationToken cancellationToken)
    {
        var readFrom = new ConcurrentDictionary<string, int>();
        var staleFrom = new ConcurrentDictionary<string, int>();
        await Parallel.ForAsync(0, pairs, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (_, token) =>
        {
            using var created = await graph.Gateway.PostUserAsync("Reader", UsersApiClient.UniqueEmail("ryw"), cancellationToken: token);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var user = await created.Content.ReadFromJsonAsync<UserResponse>(token);

            using var read = new HttpRequestMessage(HttpMethod.Get, $"/users/{user!.Id}");
            if (sendToken)
            {
                read.Headers.Add(ReplicationHeaders.ConsistencyToken, created.Header(ReplicationHeaders.ConsistencyToken));
            }

            using var response = await graph.Gateway.SendAsync(read, token);
            var node = response.Header(ReplicationHeaders.ReadFrom) ?? "(none)";
            readFrom.AddOrUpdate(node, 1, (_, count) => count + 1);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                staleFrom.AddOrUpdate(node, 1, (_, count) => count + 1);
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        });

        return (staleFrom.Values.Sum(), readFrom, staleFrom);
    }

    private static string Describe(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"));
}
