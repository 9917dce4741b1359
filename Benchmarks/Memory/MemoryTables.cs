using Replication.Benchmarks.Reporting;

namespace Replication.Benchmarks.Memory;

/// <summary>
/// The memory sections' tables, from measurements of the graph. A part missing from one measurement (a process that
/// came or went in between) counts as 0 there, so every column's total is the sum of the rows above it, all taken from
/// the same measurement: the smoke test checks that a total adds up.
/// </summary>
public static class MemoryTables
{
    public static ResultTable IdleAndLoad(IReadOnlyList<MemoryGroup> idle, IReadOnlyList<MemoryGroup> loaded)
    {
        var table = new ResultTable("memory", "Memory (MB) of every process in the graph, idle and under load",
            "part", "processes under load", "idle RSS", "idle PSS", "load RSS", "load PSS");
        foreach (var name in idle.Select(group => group.Name).Union(loaded.Select(group => group.Name)))
        {
            var before = idle.FirstOrDefault(group => group.Name == name);
            var during = loaded.FirstOrDefault(group => group.Name == name);
            table.Add(name, during?.Processes ?? 0, before?.RssMegabytes ?? 0, before?.PssMegabytes ?? 0, during?.RssMegabytes ?? 0, during?.PssMegabytes ?? 0);
        }

        table.Add("total", loaded.Sum(group => group.Processes), idle.Sum(group => group.RssMegabytes), idle.Sum(group => group.PssMegabytes),
            loaded.Sum(group => group.RssMegabytes), loaded.Sum(group => group.PssMegabytes));
        return table;
    }

    /// <summary>PSS at the first, middle and last of <paramref name="samples"/>, the most each part took, and how it changed.</summary>
    public static ResultTable Soak(TimeSpan duration, int faults, IReadOnlyList<IReadOnlyList<MemoryGroup>> samples)
    {
        var table = new ResultTable("soak", $"Memory (PSS, MB) during a {duration.TotalMinutes:F1}-minute soak with {faults} primaryservice faults",
            "part", "start", "middle", "end", "max", "end − start");
        var (first, middle, last) = (samples[0], samples[samples.Count / 2], samples[^1]);
        foreach (var name in samples.SelectMany(sample => sample).Select(group => group.Name).Distinct())
        {
            double At(IReadOnlyList<MemoryGroup> groups) => groups.FirstOrDefault(group => group.Name == name)?.PssMegabytes ?? 0;
            table.Add(name, At(first), At(middle), At(last), samples.Max(At), At(last) - At(first));
        }

        static double Total(IReadOnlyList<MemoryGroup> groups) => groups.Sum(group => group.PssMegabytes);
        table.Add("total", Total(first), Total(middle), Total(last), samples.Max(Total), Total(last) - Total(first));
        return table;
    }
}
