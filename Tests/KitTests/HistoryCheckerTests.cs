using Replication.Tests.Kit;

namespace Replication.Tests.KitTests;

/// <summary>The history checker's classifications, on histories written by hand (no graph).</summary>
public sealed class HistoryCheckerTests
{
    [Fact]
    public void EveryOutcomeIsClassifiedAgainstTheFinalRead()
    {
        var history = new OperationHistory();
        Complete(history, "confirmed", OperationOutcome.Ok);
        Complete(history, "lost", OperationOutcome.Ok);
        Complete(history, "unknown-present", OperationOutcome.Unknown);
        Complete(history, "unknown-absent", OperationOutcome.Unknown);
        Complete(history, "failed-absent", OperationOutcome.Fail);
        history.Invoke(1, "in-flight-present");

        var report = HistoryChecker.Check(history, ["confirmed", "unknown-present", "in-flight-present"]);

        Assert.Equal(Verdict.Confirmed, VerdictOf(report, "confirmed"));
        Assert.Equal(Verdict.Lost, VerdictOf(report, "lost"));
        Assert.Equal(Verdict.Unexpected, VerdictOf(report, "unknown-present"));
        Assert.Equal(Verdict.NeverAcknowledged, VerdictOf(report, "unknown-absent"));
        Assert.Equal(Verdict.NeverAcknowledged, VerdictOf(report, "failed-absent"));
        Assert.Equal(Verdict.Unexpected, VerdictOf(report, "in-flight-present")); // in flight at the end: unknown
        Assert.Equal((6, 2, 1, 3, 1, 1), (report.Total, report.Acknowledged, report.Lost, report.Unknown, report.Failed, report.Confirmed));
        Assert.Equal(2, report.UnknownButPresent);
        Assert.False(report.Valid); // one acknowledged write is lost
        Assert.Contains("1 lost", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnIndeterminateWriteFoundPresentIsAllowed_AFailedOneOrAValueNoOperationWroteIsNot()
    {
        var allowed = new OperationHistory();
        Complete(allowed, "a", OperationOutcome.Ok);
        Complete(allowed, "b", OperationOutcome.Unknown);
        Assert.True(HistoryChecker.Check(allowed, ["a", "b"]).Valid);

        var failedButWritten = new OperationHistory();
        Complete(failedButWritten, "a", OperationOutcome.Fail);
        var failedReport = HistoryChecker.Check(failedButWritten, ["a"]);
        Assert.Equal(1, failedReport.FailedButPresent);
        Assert.False(failedReport.Valid);

        var phantom = HistoryChecker.Check(allowed, ["a", "b", "c"]);
        Assert.Equal(["c"], phantom.NeverWritten);
        Assert.False(phantom.Valid);
    }

    [Fact]
    public void AValueIsWrittenByOneOperationOnly_AndAnOperationCompletesOnce()
    {
        var history = new OperationHistory();
        var write = history.Invoke(0, "a");
        Assert.Throws<ArgumentException>(() => history.Invoke(1, "a"));
        write.Complete(OperationOutcome.Ok);
        Assert.Throws<InvalidOperationException>(() => write.Complete(OperationOutcome.Fail));
    }

    [Theory]
    [InlineData(201, OperationOutcome.Ok)]
    [InlineData(400, OperationOutcome.Fail)]
    [InlineData(409, OperationOutcome.Fail)]
    [InlineData(429, OperationOutcome.Fail)]
    [InlineData(500, OperationOutcome.Unknown)]
    [InlineData(503, OperationOutcome.Unknown)]
    [InlineData(504, OperationOutcome.Unknown)]
    [InlineData(null, OperationOutcome.Unknown)]
    public void HttpAnswersAreDefiniteOnlyWhenTheyMustBe(int? status, OperationOutcome expected) =>
        Assert.Equal(expected, HttpOutcomes.Of((HttpStatusCode?)status));

    [Fact]
    public void AnAnomaly_ASuccessTheClientCouldNotRead_MakesTheHistoryInvalid_EvenWithNothingLost()
    {
        var history = new OperationHistory();
        Complete(history, "a", OperationOutcome.Ok);
        var unreadable = history.Invoke(1, "b");
        history.Anomaly(1, "b", "201 whose body the client could not read as an acknowledgement");
        unreadable.Complete(OperationOutcome.Unknown, "201 unreadable");

        var report = HistoryChecker.Check(history, ["a", "b"]);

        Assert.Equal(0, report.Lost);
        Assert.False(report.Valid, report.ToString());
        Assert.Contains("anomaly (bug): b", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ARandomScheduleIsTheSameForTheSameSeed_AndStartsEveryNemesisOncePerCycle_ThenEnds()
    {
        Nemesis[] nemeses = [new KillPrimary(), new FreezePrimary(), new FreezeStandbys(), new KillService("primaryservice")];

        var first = NemesisSchedule.Random(16, nemeses, cycles: 2).Preview(100);
        var again = NemesisSchedule.Random(16, nemeses, cycles: 2).Preview(100);
        var other = NemesisSchedule.Random(17, nemeses, cycles: 2).Preview(100);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        // Each round: start, hold, stop, repair, calm; two cycles of four rounds, and nothing after.
        Assert.Equal(2 * nemeses.Length * 5, first.Count);
        var starts = first.Where(step => step.StartsWith("start: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(nemeses.Select(n => $"start: {n.Name}").Order(), starts.Take(nemeses.Length).Order());
        Assert.Equal(nemeses.Select(n => $"start: {n.Name}").Order(), starts.Skip(nemeses.Length).Order());
    }

    private static void Complete(OperationHistory history, string value, OperationOutcome outcome) =>
        history.Invoke(0, value).Complete(outcome);

    private static Verdict VerdictOf(HistoryReport report, string value) =>
        report.Operations.Single(o => o.Operation.Value == value).Verdict;
}
