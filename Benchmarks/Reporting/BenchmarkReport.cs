using System.Text;
using System.Text.Json;

namespace Replication.Benchmarks.Reporting;

public sealed record MachineDescription(int Cores, double MemoryGigabytes, string OperatingSystem, string Runtime)
{
    public static MachineDescription Current()
    {
        var memTotal = File.ReadLines("/proc/meminfo").First(line => line.StartsWith("MemTotal:", StringComparison.Ordinal));
        var kilobytes = double.Parse(memTotal.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return new MachineDescription(Environment.ProcessorCount, Math.Round(kilobytes / 1024 / 1024, 1),
            System.Runtime.InteropServices.RuntimeInformation.OSDescription, System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Cores} cores, {MemoryGigabytes:F0} GB, {OperatingSystem}, {Runtime}");
}

/// <summary>Every section's table, printed as markdown and written as JSON.</summary>
/// <param name="Build">The configuration the benchmark, and so the whole graph, was built in.</param>
/// <param name="LoadAtStart">The machine's load average (1 / 5 / 15 min) when the run started; <paramref name="LoadAtEnd"/> when it ended.</param>
public sealed record BenchmarkReport(
    MachineDescription Machine, string Mode, string Build, string LoadAtStart, string LoadAtEnd, DateTimeOffset Started, TimeSpan Duration, IReadOnlyList<ResultTable> Sections)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Measured {Started:yyyy-MM-dd HH:mm} UTC on {Machine}; {Mode} run of a {Build} build, {Duration.TotalMinutes:F1} min; load average {LoadAtStart} at the start, {LoadAtEnd} at the end.").AppendLine();
        foreach (var section in Sections)
        {
            text.AppendLine(section.ToMarkdown());
        }

        return text.ToString();
    }

    public async Task WriteJsonAsync(string path)
    {
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, new
        {
            Machine,
            Mode,
            Build,
            LoadAtStart,
            LoadAtEnd,
            Started,
            DurationSeconds = Duration.TotalSeconds,
            Sections = Sections.Select(section => new
            {
                section.Section,
                section.Title,
                section.Columns,
                section.Rows,
                section.Notes,
                section.Error,
                section.HasFigures,
            }),
        }, Json);
    }
}
