using System.Text.RegularExpressions;

namespace Replication.Benchmarks.Memory;

/// <summary>Resident memory of one part of the graph: RSS summed over its processes, and PSS (shared pages split between the processes that map them).</summary>
public sealed record MemoryGroup(string Name, int Processes, double RssMegabytes, double PssMegabytes);

/// <summary>
/// Reads /proc for every process of a running graph and groups them by what they are: each PostgreSQL node (postmaster
/// and its backends), each service binary, the <c>dotnet run</c> wrappers of projects started through one (none under
/// <c>StartProjectsFromBuildOutput</c>), the AppHost,
/// and DCP. The graph is found from the AppHost's process id: DCP's API server is started with <c>--monitor &lt;pid&gt;</c>.
/// </summary>
public static partial class GraphMemory
{
    public const string AppHost = "AppHost";
    public const string Dcp = "DCP";
    public const string RunWrappers = "dotnet run wrappers";

    /// <param name="appHostPid">The AppHost's process.</param>
    /// <param name="appHostLabel">How its row is named.</param>
    /// <param name="moreRoots">Processes of the graph that DCP does not parent, e.g. node containers' main processes.</param>
    public static IReadOnlyList<MemoryGroup> Measure(int appHostPid, string appHostLabel = AppHost, IEnumerable<int>? moreRoots = null)
    {
        var commandLines = Directory.EnumerateDirectories("/proc")
            .Select(directory => int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0)
            .ToDictionary(pid => pid, ProcessTree.CommandLine);
        var monitor = $"--monitor {appHostPid} ";
        var dcpRoots = commandLines.Where(entry => IsDcp(entry.Value) && entry.Value.Contains(monitor, StringComparison.Ordinal)).Select(entry => entry.Key);

        var members = new List<(string Group, int Pid)> { (appHostLabel, appHostPid) };
        foreach (var root in dcpRoots.Concat(moreRoots ?? []))
        {
            foreach (var pid in ProcessTree.Descendants(root).Prepend(root))
            {
                if (commandLines.TryGetValue(pid, out var commandLine) || (commandLine = ProcessTree.CommandLine(pid)).Length > 0)
                {
                    members.Add((GroupOf(commandLine), pid));
                }
            }
        }

        return [.. members
            .Select(member => (member.Group, Usage: Read(member.Pid)))
            .Where(member => member.Usage is not null)
            .GroupBy(member => member.Group)
            .Select(group => new MemoryGroup(group.Key, group.Count(), group.Sum(m => m.Usage!.Value.Rss), group.Sum(m => m.Usage!.Value.Pss)))
            .OrderBy(group => Order(group.Name)).ThenBy(group => group.Name, StringComparer.Ordinal)];
    }

    private static string GroupOf(string commandLine)
    {
        if (IsDcp(commandLine))
        {
            return Dcp;
        }

        // Backends are titled "postgres: pg-1: walreceiver"; the postmaster carries "-c cluster_name=pg-1".
        if (BackendTitle().Match(commandLine) is { Success: true } backend)
        {
            return backend.Groups[1].Value;
        }

        if (ClusterName().Match(commandLine) is { Success: true } cluster)
        {
            return cluster.Groups[1].Value;
        }

        if (commandLine.StartsWith("dotnet run ", StringComparison.Ordinal))
        {
            return RunWrappers;
        }

        // A service: bin/<configuration>/<tfm>/<Prefix>.<Folder>, as its own launcher or "dotnet <Prefix>.<Folder>.dll"
        // (StartProjectsFromBuildOutput); the resource name is the folder, lower-cased.
        var words = commandLine.Split(' ');
        var executable = words is ["dotnet", var assembly, ..] && assembly.EndsWith(".dll", StringComparison.Ordinal)
            ? Path.GetFileNameWithoutExtension(assembly)
            : Path.GetFileName(words[0]);
        return executable.Contains('.', StringComparison.Ordinal) ? executable[(executable.LastIndexOf('.') + 1)..].ToLowerInvariant() : executable;
    }

    private static bool IsDcp(string commandLine) => commandLine.Split(' ')[0].EndsWith("/dcp", StringComparison.Ordinal);

    private static int Order(string group) => group switch
    {
        _ when group.StartsWith("pg-", StringComparison.Ordinal) => 0,
        "primaryservice" or "backupservice" or "gateway" => 1,
        RunWrappers => 2,
        Dcp => 4,
        _ when group.StartsWith(AppHost, StringComparison.Ordinal) => 5,
        _ => 3,
    };

    /// <summary>RSS and PSS in megabytes, from /proc/&lt;pid&gt;/smaps_rollup; null when the process is gone.</summary>
    private static (double Rss, double Pss)? Read(int pid)
    {
        try
        {
            double rss = 0, pss = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
            {
                if (line.StartsWith("Rss:", StringComparison.Ordinal))
                {
                    rss = Kilobytes(line) / 1024;
                }
                else if (line.StartsWith("Pss:", StringComparison.Ordinal))
                {
                    pss = Kilobytes(line) / 1024;
                }
            }

            return (rss, pss);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double Kilobytes(string line) =>
        double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^postgres: (pg-\d+):")]
    private static partial Regex BackendTitle();

    [GeneratedRegex(@"cluster_name=(pg-\d+)")]
    private static partial Regex ClusterName();
}
