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
    public void AnUnknownOperationResolvedAfterTheRepair_IsJudgedByItsResolution_AndOnlyAnUnknownOneResolves()
    {
        var history = new OperationHistory();
        Complete(history, "acknowledged", OperationOutcome.Ok);
        Complete(history, "resolved-ok", OperationOutcome.Unknown);
        Complete(history, "resolved-fail", OperationOutcome.Unknown);
        Complete(history, "still-unknown", OperationOutcome.Unknown);
        var inFlight = history.Invoke(1, "in-flight");

        history.Resolve("resolved-ok", OperationOutcome.Ok, "201 replayed");
        history.Resolve("resolved-fail", OperationOutcome.Fail, "409");
        history.Resolve("still-unknown", OperationOutcome.Unknown, "503 503");
        Assert.Throws<InvalidOperationException>(() => history.Resolve("acknowledged", OperationOutcome.Ok, "201"));
        Assert.Throws<InvalidOperationException>(() => history.Resolve("resolved-ok", OperationOutcome.Ok, "201"));
        Assert.Throws<InvalidOperationException>(() => history.Resolve("in-flight", OperationOutcome.Ok, "201"));
        inFlight.Complete(OperationOutcome.Ok);

        // Resolved as acknowledged, so absent from the final read it is lost; resolved as failed, present it is a bug.
        var report = HistoryChecker.Check(history, ["acknowledged", "resolved-fail", "in-flight"]);
        Assert.Equal(Verdict.Lost, VerdictOf(report, "resolved-ok"));
        Assert.Equal(1, report.FailedButPresent);
        Assert.Equal((2, 1), (report.ResolvedAfterRepair, report.Unknown));
        Assert.Contains("resolved after the repair: 201 replayed", report.Operations.Single(o => o.Operation.Value == "resolved-ok").Operation.Detail, StringComparison.Ordinal);
        Assert.Contains("unknown: still-unknown", report.ToString(), StringComparison.Ordinal);
        Assert.False(report.Valid);
    }

    [Fact]
    public void AClientsReadsOfItsOwnWrites_AreJudgedForReadYourWrites_MonotonicReads_AndValuesNeverWritten()
    {
        var history = new OperationHistory();
        Complete(history, "a", OperationOutcome.Ok);
        var acknowledged = history.Events.Single(e => e.Type == HistoryEventType.Ok).At;
        var later = acknowledged + TimeSpan.FromSeconds(1);
        history.RecordRead(new SessionRead(0, "a", later, later + Ms(5), WithToken: true, Returned: "a", Node: "pg-1"));
        Assert.True(HistoryChecker.Check(history, ["a"]).Valid);

        // Sent after the acknowledgement and found nothing; found nothing after a read that had found it; someone else's value.
        history.RecordRead(new SessionRead(0, "a", later + Ms(10), later + Ms(15), WithToken: false, Returned: null, Node: "pg-2"));
        history.RecordRead(new SessionRead(0, "a", later + Ms(20), later + Ms(25), WithToken: true, Returned: "b", Node: "pg-1"));
        // Another client's write, and a read sent before its own write was acknowledged: no guarantee covers them.
        history.RecordRead(new SessionRead(1, "a", later, later + Ms(5), WithToken: true, Returned: null, Node: "pg-2"));
        history.RecordRead(new SessionRead(0, "a", acknowledged - Ms(1), acknowledged + Ms(5), WithToken: true, Returned: null, Node: "pg-2"));

        var report = HistoryChecker.Check(history, ["a"]);
        Assert.Equal((1, 1, 1), (report.Session.Count(SessionViolationKind.ReadYourWrites), report.Session.Count(SessionViolationKind.MonotonicReads),
            report.Session.Count(SessionViolationKind.NeverWritten)));
        Assert.All(report.Session.Violations, violation => Assert.Equal(0, violation.Read.Process));
        Assert.False(report.Valid);
        Assert.Contains("1 read-your-writes violations", report.ToString(), StringComparison.Ordinal);
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

    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    private static void Complete(OperationHistory history, string value, OperationOutcome outcome) =>
        history.Invoke(0, value).Complete(outcome);

    private static Verdict VerdictOf(HistoryReport report, string value) =>
        report.Operations.Single(o => o.Operation.Value == value).Verdict;
}
