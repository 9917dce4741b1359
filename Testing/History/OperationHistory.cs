using System.Collections.Concurrent;
using System.Diagnostics;

namespace Replication.Testing;

/// <summary>What a client learned about one operation, in Jepsen's terms.</summary>
public enum OperationOutcome
{
    /// <summary>Acknowledged: the system said it happened (Jepsen's <c>ok</c>).</summary>
    Ok,

    /// <summary>Definitely did not happen, e.g. a 4xx, which by the API's contract writes nothing (Jepsen's <c>fail</c>).</summary>
    Fail,

    /// <summary>
    /// Indeterminate: it may or may not have happened, e.g. a 5xx, a timeout or a dropped connection, or still in
    /// flight when the history ended (Jepsen's <c>info</c>).
    /// </summary>
    Unknown,
}

public enum HistoryEventType
{
    Invoke,
    Ok,
    Fail,
    Unknown,

    /// <summary>A fault injected or repaired, logged between the operations so the table shows when.</summary>
    Nemesis,

    /// <summary>An answer the API's contract rules out, e.g. a 2xx whose body the client could not read: it fails the history.</summary>
    Anomaly,
}

/// <summary>One line of a history: an operation's invocation or completion, or a nemesis event.</summary>
/// <param name="At">When, on the history's clock.</param>
/// <param name="Type">Which kind of line.</param>
/// <param name="Process">The client that ran the operation (-1 for nemesis events).</param>
/// <param name="Value">The unique value the operation writes, or the nemesis event's description.</param>
/// <param name="Detail">What the client saw, e.g. every attempt's HTTP status.</param>
public sealed record HistoryEvent(TimeSpan At, HistoryEventType Type, int Process, string Value, string? Detail = null);

/// <summary>One operation of a history: its invocation and how it completed.</summary>
public sealed record Operation(int Process, string Value, TimeSpan InvokedAt, TimeSpan? CompletedAt, OperationOutcome Outcome, string? Detail)
{
    /// <summary>
    /// It ended <see cref="OperationOutcome.Unknown"/>, and its outcome was learned after the final repair
    /// (<see cref="OperationHistory.Resolve"/>): <see cref="Outcome"/> and <see cref="CompletedAt"/> are the resolution's.
    /// </summary>
    public bool ResolvedAfterRepair { get; init; }
}

/// <summary>
/// A Jepsen-style log of every operation the clients ran (invoke, then ok, fail or unknown), each writing a value no
/// other operation writes, with the nemesis events in between. Thread-safe: every client logs into one history.
/// <code>
/// var history = new OperationHistory();
/// var write = history.Invoke(process: 0, value: "user-17@example.com");
/// write.Complete(OperationOutcome.Unknown, "503");
/// var report = HistoryChecker.Check(history, finalRead);
/// </code>
/// </summary>
public sealed class OperationHistory
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<HistoryEvent> events = new();
    private readonly ConcurrentDictionary<string, byte> values = new();
    private readonly ConcurrentDictionary<string, byte> resolved = new();
    private readonly ConcurrentQueue<SessionRead> reads = new();

    /// <summary>Time since the history began, on the clock of its events.</summary>
    public TimeSpan Elapsed => clock.Elapsed;

    /// <summary>Every event so far, in time order.</summary>
    public IReadOnlyList<HistoryEvent> Events => [.. events.OrderBy(e => e.At)];

    /// <summary>
    /// Every operation so far; one still in flight counts as <see cref="OperationOutcome.Unknown"/>. A resolved operation
    /// has the resolution's outcome, and both answers in its detail.
    /// </summary>
    public IReadOnlyList<Operation> Operations
    {
        get
        {
            var completions = events.Where(e => e.Type is HistoryEventType.Ok or HistoryEventType.Fail or HistoryEventType.Unknown)
                .GroupBy(e => e.Value).ToDictionary(group => group.Key, group => group.OrderBy(e => e.At).ToList());
            return [.. events.Where(e => e.Type == HistoryEventType.Invoke).OrderBy(e => e.At).Select(invoke =>
                completions.TryGetValue(invoke.Value, out var done)
                    ? new Operation(invoke.Process, invoke.Value, invoke.At, done[^1].At, OutcomeOf(done[^1].Type), string.Join("; ", done.Select(e => e.Detail)))
                    {
                        ResolvedAfterRepair = resolved.ContainsKey(invoke.Value) && done[^1].Type != HistoryEventType.Unknown,
                    }
                    : new Operation(invoke.Process, invoke.Value, invoke.At, null, OperationOutcome.Unknown, "still in flight"))];
        }
    }

    /// <summary>Logs the start of an operation that writes <paramref name="value"/>, which must be unique in the history.</summary>
    public PendingOperation Invoke(int process, string value)
    {
        if (!values.TryAdd(value, 0))
        {
            throw new ArgumentException($"The value {value} is already in the history; every operation must write a value of its own.", nameof(value));
        }

        events.Enqueue(new HistoryEvent(clock.Elapsed, HistoryEventType.Invoke, process, value));
        return new PendingOperation(this, process, value);
    }

    /// <summary>Every read a client made of its own writes (<see cref="RecordRead"/>), in the order they were sent.</summary>
    public IReadOnlyList<SessionRead> Reads => [.. reads.OrderBy(read => read.InvokedAt)];

    /// <summary>Logs a client's read of a value it wrote, for the <see cref="SessionChecker"/>.</summary>
    public void RecordRead(SessionRead read) => reads.Enqueue(read ?? throw new ArgumentNullException(nameof(read)));

    /// <summary>Logs a fault injected or repaired.</summary>
    public void Nemesis(string description) => events.Enqueue(new HistoryEvent(clock.Elapsed, HistoryEventType.Nemesis, -1, description));

    /// <summary>
    /// Logs an answer the API's contract rules out for the operation writing <paramref name="value"/> (e.g. a 2xx the
    /// client could not read, which may hide an acknowledged loss): the history is then not valid, whatever the final read.
    /// </summary>
    public void Anomaly(int process, string value, string description) =>
        events.Enqueue(new HistoryEvent(clock.Elapsed, HistoryEventType.Anomaly, process, value, description));

    /// <summary>
    /// Logs what was learned after the final repair about an operation that ended <see cref="OperationOutcome.Unknown"/>,
    /// e.g. by replaying its write with its idempotency key: the operation then has <paramref name="outcome"/> (still
    /// <see cref="OperationOutcome.Unknown"/> when the attempt to learn it did not tell).
    /// </summary>
    /// <exception cref="InvalidOperationException">The operation did not end unknown, or was resolved already.</exception>
    public void Resolve(string value, OperationOutcome outcome, string detail)
    {
        var operation = Operations.SingleOrDefault(o => o.Value == value);
        if (operation is not { Outcome: OperationOutcome.Unknown, CompletedAt: not null } || !resolved.TryAdd(value, 0))
        {
            throw new InvalidOperationException($"Only an operation that ended unknown can be resolved, once; {value} is {operation?.Outcome.ToString() ?? "not in the history"}.");
        }

        Complete(operation.Process, value, outcome, $"resolved after the repair: {detail}");
    }

    /// <summary>Operations acknowledged after <paramref name="since"/> (on the history's clock).</summary>
    public int AcknowledgedSince(TimeSpan since) =>
        events.Count(e => e.Type == HistoryEventType.Ok && e.At >= since);

    internal void Complete(int process, string value, OperationOutcome outcome, string? detail) =>
        events.Enqueue(new HistoryEvent(clock.Elapsed, outcome switch
        {
            OperationOutcome.Ok => HistoryEventType.Ok,
            OperationOutcome.Fail => HistoryEventType.Fail,
            _ => HistoryEventType.Unknown,
        }, process, value, detail));

    private static OperationOutcome OutcomeOf(HistoryEventType type) => type switch
    {
        HistoryEventType.Ok => OperationOutcome.Ok,
        HistoryEventType.Fail => OperationOutcome.Fail,
        _ => OperationOutcome.Unknown,
    };
}

/// <summary>An operation invoked and not yet completed; complete it exactly once.</summary>
public sealed class PendingOperation(OperationHistory history, int process, string value)
{
    private int completed;

    public string Value => value;

    public void Complete(OperationOutcome outcome, string? detail = null)
    {
        if (Interlocked.Exchange(ref completed, 1) == 1)
        {
            throw new InvalidOperationException($"The operation writing {value} was already completed.");
        }

        history.Complete(process, value, outcome, detail);
    }
}
