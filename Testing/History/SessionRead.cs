namespace Replication.Testing;

/// <summary>Whether the clients of a <see cref="UniqueWrites"/> run read their own writes back, and how.</summary>
public enum SessionReads
{
    /// <summary>No reads.</summary>
    None,

    /// <summary>
    /// After each acknowledged write, the client reads it back, and one of its earlier writes, carrying the session token
    /// of its last acknowledged write (<see cref="HttpWorkload.SessionToken"/>): the app promises both are seen.
    /// </summary>
    WithToken,

    /// <summary>The same reads without the token: a negative control, which replicas that lag must be able to fail.</summary>
    WithoutToken,
}

/// <summary>
/// One read a client made of a value it wrote, at the location its write's acknowledgement named.
/// </summary>
/// <param name="Process">The client.</param>
/// <param name="Key">The value written there.</param>
/// <param name="InvokedAt">When the read was sent, on the history's clock.</param>
/// <param name="CompletedAt">When its answer came.</param>
/// <param name="WithToken">Whether it carried the client's session token.</param>
/// <param name="Returned">The value it returned; null when it found nothing there (404).</param>
/// <param name="Node">Which node served it, when the app says (<see cref="HttpWorkload.ReadFrom"/>).</param>
public sealed record SessionRead(int Process, string Key, TimeSpan InvokedAt, TimeSpan CompletedAt, bool WithToken, string? Returned, string? Node);

/// <summary>Which session guarantee a read broke.</summary>
public enum SessionViolationKind
{
    /// <summary>It found nothing where the same client's write had been acknowledged before the read was sent.</summary>
    ReadYourWrites,

    /// <summary>It found nothing where an earlier read of the same client (completed before it was sent) had found the value.</summary>
    MonotonicReads,

    /// <summary>It returned a value that no operation wrote at that location.</summary>
    NeverWritten,
}

/// <summary>A read that broke a session guarantee, and why.</summary>
public sealed record SessionViolation(SessionViolationKind Kind, SessionRead Read, string Explanation);
