using System.Globalization;
using System.Text;

namespace Replication.Testing;

/// <summary>
/// What the <see cref="HistoryChecker"/> found. It is <see cref="Valid"/> when nothing acknowledged was lost, nothing
/// that failed was written anyway, nothing appeared that no operation wrote, and no client's read broke a session
/// guarantee. <see cref="ToString"/> is the summary
/// table, for test output and assertion messages.
/// </summary>
public sealed class HistoryReport(
    IReadOnlyList<CheckedOperation> operations, IReadOnlyList<string> neverWritten, IReadOnlyList<HistoryEvent> nemesisEvents, IReadOnlyList<HistoryEvent>? anomalies = null)
{
    public IReadOnlyList<CheckedOperation> Operations { get; } = operations;

    /// <summary>Values in the final read that no operation of the history wrote.</summary>
    public IReadOnlyList<string> NeverWritten { get; } = neverWritten;

    public IReadOnlyList<HistoryEvent> NemesisEvents { get; } = nemesisEvents;

    /// <summary>Answers the API's contract rules out (<see cref="OperationHistory.Anomaly"/>); any makes the history not valid.</summary>
    public IReadOnlyList<HistoryEvent> Anomalies { get; } = anomalies ?? [];

    public int Total => Operations.Count;

    public int Acknowledged => Count(OperationOutcome.Ok);

    public int Failed => Count(OperationOutcome.Fail);

    public int Unknown => Count(OperationOutcome.Unknown);

    public int Confirmed => Count(Verdict.Confirmed);

    public int Lost => Count(Verdict.Lost);

    /// <summary>Indeterminate operations found written: allowed.</summary>
    public int UnknownButPresent => Operations.Count(o => o.Verdict == Verdict.Unexpected && o.Operation.Outcome == OperationOutcome.Unknown);

    /// <summary>Failed operations found written: a bug, the system said they did not happen.</summary>
    public int FailedButPresent => Operations.Count(o => o.Verdict == Verdict.Unexpected && o.Operation.Outcome == OperationOutcome.Fail);

    public int NeverAcknowledged => Count(Verdict.NeverAcknowledged);

    /// <summary>Operations that ended unknown and whose outcome was learned after the final repair (<see cref="Operation.ResolvedAfterRepair"/>).</summary>
    public int ResolvedAfterRepair => Operations.Count(o => o.Operation.ResolvedAfterRepair);

    /// <summary>What the clients' reads of their own writes showed (<see cref="SessionChecker"/>); empty when they made none.</summary>
    public SessionReport Session { get; init; } = new([], []);

    public bool Valid => Lost == 0 && FailedButPresent == 0 && NeverWritten.Count == 0 && Anomalies.Count == 0 && Session.Valid;

    public IReadOnlyList<Operation> LostOperations => [.. Operations.Where(o => o.Verdict == Verdict.Lost).Select(o => o.Operation)];

    /// <summary>Operations acknowledged after <paramref name="since"/>, on the history's clock (e.g. after a promotion).</summary>
    public int AcknowledgedAfter(TimeSpan since) =>
        Operations.Count(o => o.Operation.Outcome == OperationOutcome.Ok && o.Operation.CompletedAt >= since);

    /// <summary>Operations in flight at some moment between <paramref name="from"/> and <paramref name="to"/>: invoked before the end, not completed before the start.</summary>
    public int InFlightDuring(TimeSpan from, TimeSpan to) =>
        Operations.Count(o => o.Operation.InvokedAt < to && (o.Operation.CompletedAt ?? TimeSpan.MaxValue) > from);

    /// <summary>Operations acknowledged between <paramref name="from"/> and <paramref name="to"/>, on the history's clock (e.g. while a fault held).</summary>
    public IReadOnlyList<Operation> AcknowledgedBetween(TimeSpan from, TimeSpan to) =>
        [.. Operations.Select(o => o.Operation).Where(o => o.Outcome == OperationOutcome.Ok && o.CompletedAt > from && o.CompletedAt < to)];

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"History: {Total} operations, {Acknowledged} acknowledged, {Failed} failed, {Unknown} unknown. {(Valid ? "Valid" : "NOT VALID")}.");
        text.AppendLine("| outcome | operations | present in the final read | absent |");
        text.AppendLine("|---|---:|---:|---:|");
        text.AppendLine(CultureInfo.InvariantCulture, $"| ok (acknowledged) | {Acknowledged} | {Confirmed} confirmed | {Lost} lost |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| unknown | {Unknown} | {UnknownButPresent} unexpected (allowed) | {Row(OperationOutcome.Unknown)} never acknowledged |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| fail | {Failed} | {FailedButPresent} unexpected (bug) | {Row(OperationOutcome.Fail)} never acknowledged |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| (no operation) | - | {NeverWritten.Count} never written (bug) | - |");
        if (ResolvedAfterRepair > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{ResolvedAfterRepair} operations were unknown until the final repair and are counted by what replaying them answered:");
        }

        foreach (var resolved in Operations.Where(o => o.Operation.ResolvedAfterRepair).Take(20))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"resolved: {resolved.Operation.Value} (client {resolved.Operation.Process}: {resolved.Operation.Detail})");
        }

        foreach (var unknown in Operations.Where(o => o.Operation.Outcome == OperationOutcome.Unknown).Take(20))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"unknown: {unknown.Operation.Value} (client {unknown.Operation.Process}: {unknown.Operation.Detail})");
        }
        if (Session.Reads.Count > 0)
        {
            text.Append(Session);
        }

        foreach (var anomaly in Anomalies.Take(20))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"anomaly (bug): {anomaly.Value} (client {anomaly.Process}, {Seconds(anomaly.At)}): {anomaly.Detail}");
        }

        foreach (var lost in LostOperations.Take(20))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"lost: {lost.Value} (client {lost.Process}, {Seconds(lost.InvokedAt)} → {Seconds(lost.CompletedAt)}: {lost.Detail})");
        }

        foreach (var failed in Operations.Where(o => o.Verdict == Verdict.Unexpected && o.Operation.Outcome == OperationOutcome.Fail).Take(20))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"failed but present: {failed.Operation.Value} ({failed.Operation.Detail})");
        }

        foreach (var value in NeverWritten.Take(20))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"never written: {value}");
        }

        foreach (var nemesis in NemesisEvents)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{Seconds(nemesis.At)} nemesis: {nemesis.Value}");
        }

        return text.ToString();
    }

    private int Count(OperationOutcome outcome) => Operations.Count(o => o.Operation.Outcome == outcome);

    private int Count(Verdict verdict) => Operations.Count(o => o.Verdict == verdict);

    private int Row(OperationOutcome outcome) => Operations.Count(o => o.Verdict == Verdict.NeverAcknowledged && o.Operation.Outcome == outcome);

    private static string Seconds(TimeSpan? at) => at is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:F1} s") : "-";
}
