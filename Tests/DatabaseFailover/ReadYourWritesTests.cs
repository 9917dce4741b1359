using System.Collections.Concurrent;
using System.Net.Http.Json;
using Replication.Tests.Kit;

namespace Replication.Tests.DatabaseFailover;

/// <summary>Replicas replay 300 ms late here, so only the consistency token stands between a client and a stale read.</summary>
[Collection(DelayedReplicasGraph.Name)]
public sealed class ReadYourWritesTests(DelayedReplicasGraph graph)
{
    [Fact]
    public async Task ReadsCarryingTheTokenNeverMissTheWrite_AndReadsWithoutItAreSeenToBeStale()
    {
        var cancellationToken = TestContext.Current.CancellationToken;

        var withToken = await WriteThenReadAsync(pairs: 1000, sendToken: true, cancellationToken);
        var withoutToken = await WriteThenReadAsync(pairs: 200, sendToken: false, cancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"with token: {withToken.Stale} stale of 1000, read from {withToken.ReadFrom}; without: {withoutToken.Stale} stale of 200, read from {withoutToken.ReadFrom}");

        Assert.Equal(0, withToken.Stale);
        Assert.True(withoutToken.Stale > 0, "No stale read without the token: the test could not have seen one.");
    }

    [Theory]
    [InlineData("not-an-lsn")]
    [InlineData("FFFFFFFF/FFFFFFFF")] // well formed, but ahead of anything the primary has written
    [InlineData("0/0/0")]
    public async Task AnImpossibleTokenGets400(string token)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/users?limit=1");
        request.Headers.TryAddWithoutValidation("X-Consistency-Token", token);

        using var response = await graph.Gateway.SendAsync(request, cancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ReplicaKilledUnderReadLoad_NoRequestFails()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var load = LoadProbe.Start(graph.Gateway, new LoadOptions { Concurrency = 8, WriteFraction = 0 });
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

    private async Task<(int Stale, string ReadFrom)> WriteThenReadAsync(int pairs, bool sendToken, CancellationToken cancellationToken)
    {
        var stale = 0;
        var readFrom = new ConcurrentDictionary<string, int>();
        await Parallel.ForAsync(0, pairs, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (_, token) =>
        {
            using var created = await graph.Gateway.PostUserAsync("Reader", UsersApiClient.UniqueEmail("ryw"), cancellationToken: token);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var user = await created.Content.ReadFromJsonAsync<UserResponse>(token);

            using var read = new HttpRequestMessage(HttpMethod.Get, $"/users/{user!.Id}");
            if (sendToken)
            {
                read.Headers.Add("X-Consistency-Token", created.Header("X-Consistency-Token"));
            }

            using var response = await graph.Gateway.SendAsync(read, token);
            readFrom.AddOrUpdate(response.Header("X-Read-From") ?? "(none)", 1, (_, count) => count + 1);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                Interlocked.Increment(ref stale);
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        });

        return (stale, string.Join(", ", readFrom.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}")));
    }
}
