namespace Replication.Tests.Kit;

public enum RequestKind
{
    Read,
    Write,
}

/// <summary>One request the load probe sent, and what came back.</summary>
/// <param name="Start">When it was sent, from the probe's start.</param>
/// <param name="Status">The HTTP status, or null when no response arrived.</param>
/// <param name="UserId">For an acknowledged write (201), the id of the created user.</param>
public sealed record LoadSample(
    TimeSpan Start,
    TimeSpan Latency,
    RequestKind Kind,
    int? Status,
    string? ServedBy,
    string? ReadFrom,
    string? Email,
    long? UserId,
    string? Error)
{
    public bool Succeeded => Status is >= 200 and < 300;

    public bool IsAcknowledgedWrite => Kind == RequestKind.Write && Status == 201 && UserId is not null;
}
