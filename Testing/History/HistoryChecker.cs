namespace Replication.Testing;

/// <summary>Where an operation stands once its outcome is compared with the final read.</summary>
public enum Verdict
{
    /// <summary>Acknowledged and present.</summary>
    Confirmed,

    /// <summary>Acknowledged and absent: the durability bug the checker exists to find.</summary>
    Lost,

    /// <summary>
    /// Present though never acknowledged: allowed for an <see cref="OperationOutcome.Unknown"/> operation (it may have
    /// happened; Jepsen calls it recovered), a bug for a <see cref="OperationOutcome.Fail"/>ed one (it said it did not).
    /// </summary>
    Unexpected,

    /// <summary>Never acknowledged and absent.</summary>
    NeverAcknowledged,
}

/// <summary>An operation of the history with its verdict.</summary>
public sealed record CheckedOperation(Operation Operation, bool Present, Verdict Verdict);

/// <summary>
/// The set checker of Jepsen (and of Patroni's Jepsen suite), for histories of unique writes: one final read, from a
/// source independent of the clients (e.g. the current primary, directly), classifies every operation. The clients'
/// reads of their own writes, if the history has any, are judged too (<see cref="SessionChecker"/>).
/// </summary>
public static class HistoryChecker
{
    /// <summary>
    /// Classifies every operation of <paramref name="history"/> against <paramref name="finalRead"/>: the values present
    /// at the end, limited to the values this history could have written (e.g. by a prefix). A value in the read that no
    /// operation wrote is reported too.
    /// </summary>
    public static HistoryReport Check(OperationHistory history, IEnumerable<string> finalRead)
    {
        ArgumentNullException.ThrowIfNull(history);
        var present = finalRead.ToHashSet(StringComparer.Ordinal);
        var operations = history.Operations;
        var checkedOperations = operations.Select(operation => Classify(operation, present.Contains(operation.Value))).ToList();
        var written = operations.Select(operation => operation.Value).ToHashSet(StringComparer.Ordinal);
        return new HistoryReport(checkedOperations, [.. present.Where(value => !written.Contains(value)).Order(StringComparer.Ordinal)],
            [.. history.Events.Where(e => e.Type == HistoryEventType.Nemesis)], [.. history.Events.Where(e => e.Type == HistoryEventType.Anomaly)])
        {
            Session = SessionChecker.Check(history),
        };
    }

    private static CheckedOperation Classify(Operation operation, bool present) => new(operation, present, (operation.Outcome, present) switch
    {
        (OperationOutcome.Ok, true) => Verdict.Confirmed,
        (OperationOutcome.Ok, false) => Verdict.Lost,
        (_, true) => Verdict.Unexpected,
        _ => Verdict.NeverAcknowledged,
    });
}
