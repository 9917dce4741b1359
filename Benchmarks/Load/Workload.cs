namespace Replication.Benchmarks.Load;

/// <summary>What a throughput run sends: reads of seeded users, or writes of new ones.</summary>
public enum Workload
{
    /// <summary>GET /users/{id} over the seeded users, in turn.</summary>
    Read,

    /// <summary>POST /users, each with a new email and no Idempotency-Key (the gateway adds one; YARP forwards it as it is).</summary>
    Write,

    /// <summary>
    /// POST /users, each with a new email and the client's own Idempotency-Key: the services store the key whichever path
    /// forwarded it, so the paths differ only by what the proxy does.
    /// </summary>
    KeyedWrite,
}

public static class Workloads
{
    public static string Describe(this Workload workload) => workload switch
    {
        Workload.Read => "GET /users/{id}",
        Workload.Write => "POST /users",
        _ => "POST /users with the client's Idempotency-Key",
    };

    /// <summary>The client's Idempotency-Key for a keyed write: unique per run, client and write, as the email is.</summary>
    public static string WriteKey(string runTag, int client, long sequence) => $"bench-{runTag}-{client}-{sequence}";

    /// <summary>A unique email per write; the run tag keeps runs apart, so no write gets 409.</summary>
    public static string WriteBody(string runTag, int client, long sequence) =>
        $$"""{"name":"Benchmark user","email":"bench-{{runTag}}-{{client}}-{{sequence}}@example.com"}""";

    public static string NewRunTag() => Guid.NewGuid().ToString("N")[..12];
}
