using System.Collections.Concurrent;
using System.Diagnostics;
using Replication.Tests.Kit;

namespace Replication.Tests.Hardening;

/// <summary>Far more concurrent requests than the gateway admits: it sheds the excess with 429 and stays healthy.</summary>
[Collection(ServiceFaultsGraph.Name)]
public sealed class OverloadTests(GraphFixture graph)
{
    private const int Burst = 1000; // the gateway admits 128 at once and queues 128

    [Fact]
    public async Task OverloadIsShedWith429_TheGatewayStaysHealthy_AndNormalLoadIsServedAfterwards()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var statuses = new ConcurrentDictionary<int, int>();
        var retryAfterMissing = 0;
        HttpStatusCode healthDuringBurst;
        var recovery = Stopwatch.StartNew();
        try
        {
            // Slow services hold the gateway's slots, as a real overload would.
            await graph.Faults.DelayRequestsAsync("primaryservice", TimeSpan.FromMilliseconds(200), cancellationToken);
            await graph.Faults.DelayRequestsAsync("backupservice", TimeSpan.FromMilliseconds(200), cancellationToken);

            var burst = Parallel.ForAsync(0, Burst, new ParallelOptions { MaxDegreeOfParallelism = Burst, CancellationToken = cancellationToken }, async (_, token) =>
            {
                using var response = await graph.Gateway.GetAsync("/users?limit=1", token);
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, count) => count + 1);
                if (response.StatusCode == HttpStatusCode.TooManyRequests && response.Headers.RetryAfter is null)
                {
                    Interlocked.Increment(ref retryAfterMissing);
                }
            });
            await Task.Delay(200, cancellationToken);
            using (var health = await graph.Gateway.GetAsync("/health", cancellationToken))
            {
                healthDuringBurst = health.StatusCode;
            }

            await burst;
        }
        finally
        {
            await graph.Faults.ClearFaultsAsync("primaryservice", cancellationToken);
            await graph.Faults.ClearFaultsAsync("backupservice", cancellationToken);
            recovery.Restart();
        }

        var report = await LoadProbe.RunAsync(graph.Gateway, TimeSpan.FromSeconds(2), new LoadOptions { Concurrency = 8 }, cancellationToken);
        var shed = statuses.GetValueOrDefault(429);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"burst of {Burst}: {string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))} " +
            $"({100.0 * shed / Burst:F0} % shed); health during the burst {(int)healthDuringBurst}; afterwards:\n{report}");

        Assert.True(shed > 0, "Nothing was shed: the limit did not engage.");
        Assert.Equal(0, retryAfterMissing);
        Assert.DoesNotContain(statuses.Keys, status => status >= 500);
        Assert.Equal(HttpStatusCode.OK, healthDuringBurst);
        Assert.True(report.Failed == 0, $"Normal load failed after the overload:\n{report}");
    }
}
