namespace Replication.Testing;

public enum RequestKind
{
    Read,
    Write,
}

/// <summary>One request the load probe sent, and what came back.</summary>
/// <param name="Start">When it was sent, from the probe's start.</param>
/// <param name="Latency">How long until its answer, or until the probe gave up.</param>
/// <param name="Kind">A read or a write.</param>
/// <param name="Status">The HTTP status, or null when no response arrived.</param>
/// <param name="ServedBy">Which backend answered, as the workload reads it from the response.</param>
/// <param name="ReadFrom">Which database node served a read, as the workload reads it.</param>
/// <param name="Key">For a write, the key of the value it stores.</param>
/// <param name="Acknowledged">For a write, whether the response acknowledged it (<see cref="HttpWorkload.AcknowledgesAsync"/>).</param>
/// <param name="Error">Why no usable response arrived.</param>
public sealed record LoadSample(
    TimeSpan Start,
    TimeSpan Latency,
    RequestKind Kind,
    int? Status,
    string? ServedBy,
    string? ReadFrom,
    string? Key,
    bool Acknowledged,
    string? Error)
{
    public bool Succeeded => Status is >= 200 and < 300 && Error is null;

    public bool IsAcknowledgedWrite => Kind == RequestKind.Write && Acknowledged;
}
