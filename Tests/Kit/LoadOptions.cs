namespace Replication.Tests.Kit;

/// <summary>The shape of the load a <see cref="LoadProbe"/> drives.</summary>
public sealed record LoadOptions
{
    /// <summary>Concurrent clients, each sending one request after another.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Share of requests that are writes (POST /users); the rest are reads (GET /users).</summary>
    public double WriteFraction { get; init; } = 0.2;

    /// <summary>Pause between one client's requests, which sets the rate: about Concurrency / Pause requests per second.</summary>
    public TimeSpan Pause { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Send an Idempotency-Key with every write, as a careful client would (the gateway adds one otherwise).</summary>
    public bool IdempotentWrites { get; init; } = true;

    /// <summary>How long the client waits for one response before counting the request as failed.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);
}
