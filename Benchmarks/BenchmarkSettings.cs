using Replication.Benchmarks.Load;

namespace Replication.Benchmarks;

/// <summary>How long and how hard each section measures: the full run, or the smoke run that only proves every section still works.</summary>
public sealed record BenchmarkSettings
{
    public bool Smoke { get; init; }

    public string? OutputPath { get; init; }

    /// <summary>Concurrent connections of the load generators in the gateway-overhead section, one table row group each.</summary>
    public IReadOnlyList<int> OverheadConnections { get; init; } = [32, 256];

    /// <summary>Interleaved rounds over every path, client and connection count; the tables show their medians.</summary>
    public int OverheadRounds { get; init; } = 3;

    /// <summary>Load before each measured run of the gateway-overhead section, not counted.</summary>
    public TimeSpan OverheadWarmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Length of each measured run of the gateway-overhead section (whole seconds: wrk's unit).</summary>
    public TimeSpan OverheadDuration { get; init; } = TimeSpan.FromSeconds(5);

    public IReadOnlyList<LoadGenerator> LoadGenerators { get; init; } = [LoadGenerator.Wrk, LoadGenerator.DotNet];

    public IReadOnlyList<Workload> Workloads { get; init; } = [Workload.Read, Workload.Write, Workload.KeyedWrite];

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan ThroughputDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a fault lasts in the failover scenarios (a killed service stays down, a hang, a burst of 500s).</summary>
    public TimeSpan FaultDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Responses the load probe must have seen before a fault is injected.</summary>
    public int ResponsesBeforeFault { get; init; } = 200;

    public int LagWrites { get; init; } = 200;

    public TimeSpan PgbenchDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan SoakDuration { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan SoakFaultInterval { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan SoakSampleInterval { get; init; } = TimeSpan.FromSeconds(30);

    public IReadOnlyList<int> ClientCounts { get; init; } = [1, 8, 64];

    /// <summary>Replica counts booted as graphs of their own; the default graph (2 replicas) is measured anyway.</summary>
    public IReadOnlyList<int> ExtraReplicaCounts { get; init; } = [0, 1, 4];

    public bool MeasureSyncDurability { get; init; } = true;

    /// <summary>Boot, failover and memory of the process runtime beside the container runtime (needs a container engine).</summary>
    public bool CompareRuntimes { get; init; } = true;

    /// <summary>Only these sections (keys as in the JSON output), or all when null: to re-measure one section.</summary>
    public IReadOnlySet<string>? Sections { get; init; }

    public bool Includes(params string[] sections) => Sections is null || sections.Any(Sections.Contains);

    public static BenchmarkSettings Full { get; } = new();

    /// <summary>Seconds of tiny load per section, so CI can run every section and it cannot rot.</summary>
    public static BenchmarkSettings SmokeRun { get; } = new()
    {
        Smoke = true,
        OverheadConnections = [8],
        OverheadRounds = 1,
        OverheadWarmup = TimeSpan.Zero,
        OverheadDuration = TimeSpan.FromSeconds(1),
        Warmup = TimeSpan.FromMilliseconds(300),
        ThroughputDuration = TimeSpan.FromSeconds(1.5),
        FaultDuration = TimeSpan.FromSeconds(1.5),
        ResponsesBeforeFault = 40,
        LagWrites = 30,
        PgbenchDuration = TimeSpan.FromSeconds(3),
        SoakDuration = TimeSpan.FromSeconds(12),
        SoakFaultInterval = TimeSpan.FromSeconds(5),
        SoakSampleInterval = TimeSpan.FromSeconds(4),
        ExtraReplicaCounts = [],
        // One point (the scale-replicas section reads its 2-replica row from the 8-client one): each point crashes a service.
        ClientCounts = [8],
        MeasureSyncDurability = false,
        CompareRuntimes = false,
    };

    public const string Usage =
        "dotnet run -c Release --project Benchmarks -- [--smoke] [--output results.json] [--sections a,b] [--replicas 0,1,4] " +
        "[--connections 32,256] [--rounds 3] [--seconds 5] [--load-generators wrk,dotnet] [--workloads read,write]";

    private static readonly string[] Flags = ["--smoke"];
    private static readonly string[] Options = ["--output", "--sections", "--replicas", "--connections", "--rounds", "--seconds", "--load-generators", "--workloads"];

    /// <summary>The settings <paramref name="args"/> ask for.</summary>
    /// <exception cref="ArgumentException">An argument the benchmark does not know (<c>--help</c> too), or an option without its value.</exception>
    public static BenchmarkSettings Parse(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (Options.Contains(args[i]) && i + 1 < args.Length)
            {
                i++;
            }
            else if (!Flags.Contains(args[i]))
            {
                throw new ArgumentException($"Unknown argument, or an option without its value: {args[i]}");
            }
        }

        var settings = args.Contains("--smoke") ? SmokeRun : Full;
        string? Value(string name) => Array.IndexOf(args, name) is var index and >= 0 && index + 1 < args.Length ? args[index + 1] : null;
        string[]? List(string name) => Value(name)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        static int Number(string value) => int.Parse(value, CultureInfo.InvariantCulture);
        static T Named<T>(string value) where T : struct, Enum => Enum.Parse<T>(value, ignoreCase: true);
        return settings with
        {
            OutputPath = Value("--output"),
            Sections = List("--sections")?.ToHashSet(),
            ExtraReplicaCounts = List("--replicas")?.Select(Number).ToList() ?? settings.ExtraReplicaCounts,
            OverheadConnections = List("--connections")?.Select(Number).ToList() ?? settings.OverheadConnections,
            OverheadRounds = Value("--rounds") is { } rounds ? Number(rounds) : settings.OverheadRounds,
            OverheadDuration = Value("--seconds") is { } seconds ? TimeSpan.FromSeconds(Number(seconds)) : settings.OverheadDuration,
            LoadGenerators = List("--load-generators")?.Select(Named<LoadGenerator>).ToList() ?? settings.LoadGenerators,
            Workloads = List("--workloads")?.Select(Named<Workload>).ToList() ?? settings.Workloads,
        };
    }
}
