namespace Replication.Benchmarks.Load;

/// <summary>What a throughput run sends: reads of seeded users, or writes of new ones.</summary>
public enum Workload
{
    /// <summary>GET /users/{id} over the seeded users, in turn.</summary>
    Read,

    /// <summary>POST /users, each with a new email and no Idempotency-Key (the gateway adds one; YARP forwards it as it is).</summary>
    Write,
}

public static class Workloads
{
    public static string Describe(this Workload workload) => workload == Workload.Read ? "GET /users/{id}" : "POST /users";

    /// <summary>A unique email per write; the run tag keeps runs apart, so no write gets 409.</summary>
    public static string WriteBody(string runTag, int client, long sequence) =>
        $$"""{"name":"Benchmark user","email":"bench-{{runTag}}-{{client}}-{{sequence}}@example.com"}""";

    public static string NewRunTag() => Guid.NewGuid().ToString("N")[..12];
}
