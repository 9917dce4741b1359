using System.Diagnostics;

namespace Aspire.Hosting.ApplicationModel;

internal static class PostgresProcesses
{
    /// <summary>SIGKILLs <paramref name="pid"/> if it is still a postgres process (not a reused PID).</summary>
    public static void KillIfPostmaster(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            if (!process.HasExited && process.ProcessName == "postgres")
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
    }
}
