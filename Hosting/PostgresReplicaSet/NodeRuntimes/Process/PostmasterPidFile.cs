using System.Globalization;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>A data directory's <c>postmaster.pid</c>, whose first line is the running postmaster's process id.</summary>
internal static class PostmasterPidFile
{
    public static int? Read(string path)
    {
        try
        {
            return int.TryParse(File.ReadLines(path).FirstOrDefault(), CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
