using Replication.Benchmarks;
using Replication.Benchmarks.Reporting;

// Usage: BenchmarkSettings.Usage. Progress goes to stderr; the tables, ready to paste into docs/benchmarks.md, to stdout.
// See docs/benchmarks.md.
BenchmarkSettings settings;
try
{
    settings = BenchmarkSettings.Parse(args);
}
catch (Exception exception) when (exception is ArgumentException or FormatException)
{
    await Console.Error.WriteLineAsync($"{exception.Message}\nUsage: {BenchmarkSettings.Usage}");
    return 2;
}
#if DEBUG
const string build = "Debug";
Console.Error.WriteLine("This is a Debug build, and the graph runs in the benchmark's configuration: run with -c Release for figures worth comparing.");
#else
const string build = "Release";
#endif
var loadAtStart = LoadAverage.Now();

// The in-process AppHost logs its resources to the console; stdout carries only the report.
var report = Console.Out;
Console.SetOut(TextWriter.Null);

// The graph inherits this environment and logs at Warning, as it would in production, so the figures measure the
// system rather than its logging (the in-process AppHost ingests every log line of every resource).
Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, eventArgs) =>
{
    eventArgs.Cancel = true;
    cancellation.Cancel();
};

var started = DateTimeOffset.UtcNow;
var run = new BenchmarkRun(settings);
await run.RunAsync(cancellation.Token);
var mode = settings.Smoke ? "smoke" : settings.Sections is null ? "full" : $"partial ({string.Join(", ", settings.Sections)})";
var results = new BenchmarkReport(MachineDescription.Current(), mode, build, loadAtStart, LoadAverage.Now(), started, DateTimeOffset.UtcNow - started, run.Tables);

await report.WriteLineAsync(results.ToMarkdown());
await report.FlushAsync();
if (settings.OutputPath is not null)
{
    await results.WriteJsonAsync(settings.OutputPath);
}

return run.Tables.All(table => table.HasFigures) ? 0 : 1;
