using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Replication.Tests.Configuration;

/// <summary>
/// With AddPromptHealthChecks, one health check run (what Aspire's monitor runs, 1 to 5 s apart while a resource is not
/// healthy) keeps asking until the resource is healthy, so the answer comes when it is reached; and it still answers
/// Unhealthy, with the reason, once its patience runs out.
/// </summary>
public sealed class PromptHealthChecksTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)] // as a check whose connection is refused does
    public async Task ACheckThatTurnsHealthyWithinItsPatience_AnswersHealthyInOneRun(bool throwsUntilThen)
    {
        var readyAfter = new FlakyCheck(unhealthyAnswers: 3, throwsUntilThen);
        var health = HealthChecksOf(readyAfter, patience: TimeSpan.FromSeconds(30), interval: TimeSpan.FromMilliseconds(10));

        var report = await health.CheckHealthAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(4, readyAfter.Calls);
    }

    [Fact]
    public async Task ACheckThatKeepsThrowing_AnswersUnhealthyWithItsException_OnceItsPatienceRunsOut()
    {
        var never = new FlakyCheck(unhealthyAnswers: int.MaxValue, throws: true);
        var health = HealthChecksOf(never, patience: TimeSpan.FromMilliseconds(200), interval: TimeSpan.FromMilliseconds(10));

        var report = await health.CheckHealthAsync(TestContext.Current.CancellationToken);

        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.IsType<InvalidOperationException>(entry.Exception);
        Assert.True(never.Calls > 1, $"Asked {never.Calls} time(s) in one run.");
    }

    [Fact]
    public async Task ACheckThatStaysUnhealthy_AnswersUnhealthyWithItsReason_OnceItsPatienceRunsOut()
    {
        var never = new FlakyCheck(unhealthyAnswers: int.MaxValue);
        var health = HealthChecksOf(never, patience: TimeSpan.FromMilliseconds(200), interval: TimeSpan.FromMilliseconds(10));

        var report = await health.CheckHealthAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Equal("not yet", Assert.Single(report.Entries).Value.Description);
        Assert.True(never.Calls > 1, $"Asked {never.Calls} time(s) in one run.");
    }

    [Fact]
    public async Task WithoutIt_ACheckIsAskedOncePerRun()
    {
        var readyAfter = new FlakyCheck(unhealthyAnswers: 3);
        var health = HealthChecksOf(readyAfter, patience: null, interval: null);

        var report = await health.CheckHealthAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Equal(1, readyAfter.Calls);
    }

    private static HealthCheckService HealthChecksOf(FlakyCheck check, TimeSpan? patience, TimeSpan? interval)
    {
        var builder = DistributedApplication.CreateBuilder(["--environment", "Testing"]);
        builder.Services.AddHealthChecks().AddCheck("flaky", check);
        if (patience is not null)
        {
            builder.AddPromptHealthChecks(patience, interval);
        }

        return builder.Services.BuildServiceProvider().GetRequiredService<HealthCheckService>();
    }

    /// <summary>Unhealthy (or throwing, as a check whose connection is refused does) for its first answers, then healthy.</summary>
    private sealed class FlakyCheck(int unhealthyAnswers, bool throws = false) : IHealthCheck
    {
        private int calls;

        public int Calls => calls;

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref calls) > unhealthyAnswers ? Task.FromResult(HealthCheckResult.Healthy())
            : throws ? throw new InvalidOperationException("not yet")
            : Task.FromResult(HealthCheckResult.Unhealthy("not yet"));
    }
}
