using System.Diagnostics;

namespace Replication.Benchmarks.Reporting;

/// <summary>Progress lines on stderr, stamped with the time since the run started, so slow steps show.</summary>
public static class Progress
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static void Log(string message) => Console.Error.WriteLine($"[{Clock.Elapsed:mm\\:ss}] {message}");
}
