using System.Collections.Concurrent;
using System.Text.Json;
using Replication.Tests.Kit;

namespace Replication.Tests.Hardening;

/// <summary>Far more concurrent requests than the gateway admits: it sheds the excess with 429 and stays healthy.</summary>
[Collection(PatientGatewayGraph.Name)]
public sealed class OverloadTests(PatientGatewayGraph graph) : IAsyncLifetime
{
    private const int Burst = 1000; // the gateway admits 128 at once and queues 128

    // Slow enough that the admitted requests hold the gateway's slots, and below the 300 ms hedging delay, so each request
    // reaches one service only: longer delays double the services' load through hedges until they answer 503 themselves.
    private static readonly TimeSpan ServiceLatency = TimeSpan.FromMilliseconds(200);

    public async ValueTask InitializeAsync() => await graph.RestoreServicesAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task OverloadIsShedWith429_TheGatewayStaysHealthyDuringIt_AndNormalLoadIsServedAfterwards()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var statuses = new ConcurrentDictionary<int, int>();
        var failures = new ConcurrentDictionary<string, int>();
        var retryAfterMissing = 0;
        var answered = 0;
        HttpStatusCode healthDuringBurst;
        int answeredBeforeHealth;
        try
        {
            // Slow services hold the gateway's slots, as a real overload would.
            await graph.ServiceFaults.DelayRequestsAsync("primaryservice", ServiceLatency, cancellationToken);
            await graph.ServiceFaults.DelayRequestsAsync("backupservice", ServiceLatency, cancellationToken);

            var burst = Parallel.ForAsync(0, Burst, new ParallelOptions { MaxDegreeOfParallelism = Burst, CancellationToken = cancellationToken }, async (_, token) =>
            {
                using var response = await graph.Gateway.GetAsync("/users?limit=1", token);
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, count) => count + 1);
                if ((int)response.StatusCode >= 500)
                {
                    var failure = $"{(int)response.StatusCode} from {response.Header(ReplicationHeaders.ServedBy) ?? "the gateway"}: {Describe(await response.Content.ReadAsStringAsync(token))}";
                    failures.AddOrUpdate(failure, 1, (_, count) => count + 1);
                }

                if (response.StatusCode == HttpStatusCode.TooManyRequests && response.Headers.RetryAfter is null)
                {
                    Interlocked.Increment(ref retryAfterMissing);
                }

                Interlocked.Increment(ref answered);
            });

            // The burst is on once the gateway sheds; /health is asked then, and must answer before the burst is over.
            await Poll.UntilOrThrowAsync(_ => Task.FromResult(statuses.ContainsKey(429) || burst.IsCompleted),
                TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(10), "the gateway to shed load", cancellationToken);
            using (var health = await graph.Gateway.GetAsync("/health", cancellationToken))
            {
                healthDuringBurst = health.StatusCode;
                answeredBeforeHealth = Volatile.Read(ref answered);
            }

            await burst;
        }
        finally
        {
            await graph.ServiceFaults.ClearAsync("primaryservice", cancellationToken);
            await graph.ServiceFaults.ClearAsync("backupservice", cancellationToken);
        }

        var report = await LoadProbe.RunAsync(graph.Workload, responses: 200, new LoadOptions { Concurrency = 8 }, cancellationToken);
        var shed = statuses.GetValueOrDefault(429);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"burst of {Burst}: {string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))} " +
            $"({100.0 * shed / Burst:F0} % shed); health {(int)healthDuringBurst} with {Burst - answeredBeforeHealth} requests of the burst still open; " +
            $"failures: {(failures.IsEmpty ? "none" : string.Join("; ", failures.Select(p => $"{p.Value} × {p.Key}")))}; afterwards:\n{report}");

        Assert.True(shed > 0, "Nothing was shed: the limit did not engage.");
        Assert.Equal(0, retryAfterMissing);
        Assert.True(failures.IsEmpty, "The overload made requests fail instead of being shed:\n" + string.Join("\n", failures.Select(p => $"{p.Value} × {p.Key}")) +
            "\nGateway log (last lines):\n  " + string.Join("\n  ", graph.RecentLogs(ResourceNames.Gateway).TakeLast(20)) +
            "\nprimaryservice log (last lines):\n  " + string.Join("\n  ", graph.RecentLogs(ResourceNames.PrimaryService).TakeLast(20)));
        Assert.True(answeredBeforeHealth < Burst, "The burst was over before /health answered, so it was not asked during the overload.");
        Assert.Equal(HttpStatusCode.OK, healthDuringBurst);
        Assert.True(report.Failed == 0, $"Normal load failed after the overload:\n{report}");
    }

    /// <summary>A problem's title and detail (its trace id differs for every response).</summary>
    private static string Describe(string problem)
    {
        try
        {
            using var json = JsonDocument.Parse(problem);
            return $"{json.RootElement.GetProperty("title")}: {(json.RootElement.TryGetProperty("detail", out var detail) ? detail.ToString() : "")}";
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return problem;
        }
    }
}
