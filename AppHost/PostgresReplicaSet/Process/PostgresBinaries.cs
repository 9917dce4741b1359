using System.Diagnostics;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>The machine's PostgreSQL server binaries (initdb, postgres, pg_basebackup, pg_rewind).</summary>
internal sealed record PostgresBinaries(string BinDirectory)
{
    public const string InstallHint =
        "PostgreSQL server binaries were not found (looked for pg_config on PATH and in /usr/lib/postgresql/*/bin). " +
        "Install them (Debian/Ubuntu: 'sudo apt-get install -y postgresql'; macOS: 'brew install postgresql@16') " +
        "or run the graph in containers with '--Postgres:Runtime=Container'.";

    public string InitDb => Path.Combine(BinDirectory, "initdb");

    public string Postgres => Path.Combine(BinDirectory, "postgres");

    public string BaseBackup => Path.Combine(BinDirectory, "pg_basebackup");

    public string Rewind => Path.Combine(BinDirectory, "pg_rewind");

    public static PostgresBinaries? Locate()
    {
        var candidates = new List<string>();
        if (BinDirectoryFromPgConfig() is { } fromPgConfig)
        {
            candidates.Add(fromPgConfig);
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(version => int.TryParse(Path.GetFileName(version), out var major) ? major : 0)
                .Select(version => Path.Combine(version, "bin")));
        }

        return candidates
            .Select(directory => new PostgresBinaries(directory))
            .FirstOrDefault(binaries => File.Exists(binaries.Postgres) && File.Exists(binaries.InitDb) && File.Exists(binaries.BaseBackup));
    }

    private static string? BinDirectoryFromPgConfig()
    {
        try
        {
            using var pgConfig = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (pgConfig is null)
            {
                return null;
            }

            var output = pgConfig.StandardOutput.ReadToEnd().Trim();
            return pgConfig.WaitForExit(5000) && pgConfig.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config is not on PATH.
        }
    }
}
