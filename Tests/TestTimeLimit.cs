using System.Collections.Concurrent;
using System.Reflection;
using Xunit.v3;

[assembly: Replication.Tests.TestTimeLimit]

namespace Replication.Tests;

/// <summary>
/// Every test of the assembly has a time limit, so a hang fails one test instead of the whole run. Past the limit the
/// test's cancellation token (<c>TestContext.Current.CancellationToken</c>, which every test passes to every wait) is
/// cancelled. It is the outer bound for a test without a <c>Timeout</c> of its own; waits in the kit have tighter ones.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class TestTimeLimitAttribute : BeforeAfterTestAttribute
{
    /// <summary>Longer than the slowest test needs on a loaded CI machine (the benchmark's smoke run may take 10 minutes).</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(15);

    private static readonly ConcurrentDictionary<string, Timer> Timers = new();

    public override void Before(MethodInfo methodUnderTest, IXunitTest test)
    {
        if (test.Timeout > 0)
        {
            return;
        }

        var context = TestContext.Current;
        Timers[test.UniqueID] = new Timer(_ =>
        {
            context.TestOutputHelper?.WriteLine($"The test ran past its {Limit.TotalMinutes:F0}-minute limit and was cancelled.");
            context.CancelCurrentTest();
        }, null, Limit, Timeout.InfiniteTimeSpan);
    }

    public override void After(MethodInfo methodUnderTest, IXunitTest test)
    {
        if (Timers.TryRemove(test.UniqueID, out var timer))
        {
            timer.Dispose();
        }
    }
}
