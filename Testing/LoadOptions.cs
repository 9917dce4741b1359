namespace Replication.Testing;

/// <summary>The shape of the load a <see cref="LoadProbe"/> drives.</summary>
public sealed record LoadOptions
{
    /// <summary>Concurrent clients, each sending one request after another.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Share of requests that are writes; the rest are reads.</summary>
    public double WriteFraction { get; init; } = 0.2;

    /// <summary>Pause between one client's requests, which sets the rate: about Concurrency / Pause requests per second.</summary>
    public TimeSpan Pause { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Write with the key the workload makes a retry safe with (e.g. an Idempotency-Key), as a careful client would.</summary>
    public bool IdempotentWrites { get; init; } = true;

    /// <summary>How long the client waits for one response before counting the request as failed.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);
}
