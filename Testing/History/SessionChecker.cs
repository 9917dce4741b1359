using System.Globalization;
using System.Text;

namespace Replication.Testing;

/// <summary>
/// Judges each client's reads of its own writes (<see cref="OperationHistory.Reads"/>) against the history: a read
/// sent after the client's write was acknowledged must find it (read-your-writes), a read must not find less than an
/// earlier read of the same client found (monotonic reads), and a read must return only what was written there.
/// </summary>
public static class SessionChecker
{
    public static SessionReport Check(OperationHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var acknowledgedAt = history.Events.Where(e => e.Type == HistoryEventType.Ok)
            .GroupBy(e => e.Value).ToDictionary(group => group.Key, group => (group.First().Process, At: group.Min(e => e.At)));
        var violations = new List<SessionViolation>();
        var reads = history.Reads;
        foreach (var client in reads.GroupBy(read => read.Process))
        {
            var ordered = client.OrderBy(read => read.InvokedAt).ToList();
            foreach (var read in ordered)
            {
                if (read.Returned is { } returned)
                {
                    if (returned != read.Key)
                    {
                        violations.Add(new(SessionViolationKind.NeverWritten, read, $"returned {returned} where {read.Key} was written"));
                    }

                    continue;
                }

                if (acknowledgedAt.TryGetValue(read.Key, out var write) && write.Process == read.Process && write.At <= read.InvokedAt)
                {
                    violations.Add(new(SessionViolationKind.ReadYourWrites, read, string.Create(CultureInfo.InvariantCulture,
                        $"found nothing; the client's write was acknowledged at {write.At.TotalSeconds:F2} s")));
                }

                if (ordered.FirstOrDefault(earlier => earlier.Key == read.Key && earlier.Returned == read.Key && earlier.CompletedAt <= read.InvokedAt) is { } seen)
                {
                    violations.Add(new(SessionViolationKind.MonotonicReads, read, string.Create(CultureInfo.InvariantCulture,
                        $"found nothing; the client's read answered at {seen.CompletedAt.TotalSeconds:F2} s had found it{(seen.Node is null ? "" : $" on {seen.Node}")}")));
                }
            }
        }

        return new SessionReport(reads, violations);
    }
}

/// <summary>What the <see cref="SessionChecker"/> found: <see cref="Valid"/> when no read broke a session guarantee.</summary>
public sealed class SessionReport(IReadOnlyList<SessionRead> reads, IReadOnlyList<SessionViolation> violations)
{
    public IReadOnlyList<SessionRead> Reads { get; } = reads;

    public IReadOnlyList<SessionViolation> Violations { get; } = violations;

    public bool Valid => Violations.Count == 0;

    public int Count(SessionViolationKind kind) => Violations.Count(violation => violation.Kind == kind);

    public override string ToString()
    {
        var text = new StringBuilder();
        var withToken = Reads.Count(read => read.WithToken);
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Session reads: {Reads.Count} ({withToken} with the session token), {Count(SessionViolationKind.ReadYourWrites)} read-your-writes violations, " +
            $"{Count(SessionViolationKind.MonotonicReads)} monotonic-reads violations, {Count(SessionViolationKind.NeverWritten)} never written.");
        foreach (var violation in Violations.Take(20))
        {
            var read = violation.Read;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{violation.Kind}: {read.Key} (client {read.Process}, {read.InvokedAt.TotalSeconds:F2} → {read.CompletedAt.TotalSeconds:F2} s, {(read.WithToken ? "with" : "without")} token, from {read.Node ?? "?"}): {violation.Explanation}");
        }

        return text.ToString();
    }
}
