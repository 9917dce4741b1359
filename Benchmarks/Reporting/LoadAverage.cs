namespace Replication.Benchmarks.Reporting;

/// <summary>The machine's load average (1, 5 and 15 minutes) from /proc/loadavg, printed beside figures taken on a shared machine.</summary>
public static class LoadAverage
{
    public static string Now()
    {
        try
        {
            return string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
