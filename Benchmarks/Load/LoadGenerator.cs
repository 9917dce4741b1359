namespace Replication.Benchmarks.Load;

/// <summary>Which program sends the load of a throughput run.</summary>
public enum LoadGenerator
{
    /// <summary><see cref="WrkLoad"/>: wrk, written in C, as an external process.</summary>
    Wrk,

    /// <summary><see cref="ClosedLoopLoad"/>: the benchmark's own HttpClient loops, in the benchmark's process.</summary>
    DotNet,
}

public static class LoadGenerators
{
    public static string Describe(this LoadGenerator generator) => generator == LoadGenerator.Wrk ? "wrk" : "C# client";

    public static Task<ThroughputResult> RunAsync(
        this LoadGenerator generator, Uri address, Workload workload, IReadOnlyList<string> paths, int connections, TimeSpan duration, CancellationToken cancellationToken) =>
        generator == LoadGenerator.Wrk
            ? WrkLoad.RunAsync(address, workload, paths, connections, TimeSpan.Zero, duration, cancellationToken)
            : ClosedLoopLoad.RunAsync(address, workload, paths, connections, TimeSpan.Zero, duration, cancellationToken);
}
