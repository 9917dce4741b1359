namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>The machine's programs, as a script that names them without a path finds them.</summary>
internal static class InstalledPrograms
{
    public static bool IsOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(directory => File.Exists(Path.Combine(directory, program)));
}
