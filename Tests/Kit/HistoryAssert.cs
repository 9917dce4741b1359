namespace Replication.Tests.Kit;

/// <summary>Assertions this repository's scenarios make of a history's report, beside its validity.</summary>
public static class HistoryAssert
{
    /// <summary>
    /// Every write's outcome is known in the end: one the faults left indeterminate was replayed with its key after the
    /// final repair (<see cref="HistoryRun.FinishAsync"/>), and the answer said whether it had happened.
    /// </summary>
    public static void EveryWriteResolved(HistoryReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        Assert.True(report.Unknown == 0, $"{report.Unknown} writes stayed indeterminate after the final repair, replayed with their keys:\n{report}");
    }
}
