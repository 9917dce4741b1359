using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Replication.Processes;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The directory one AppHost run keeps its PostgreSQL data in, removed when the AppHost stops.
/// Runs that died without cleaning up are swept at the next start: their servers are stopped and
/// their directories deleted. Each user has a root of their own under the temp directory, so runs of root and of
/// other users on one machine never meet in a directory one of them cannot write.
/// </summary>
internal sealed class RunDirectory
{
    private const string RunPrefix = "run-";

    private RunDirectory(string path, ServerUser serverUser)
    {
        Path = path;
        ServerUser = serverUser;
    }

    /// <summary>Where this user's run directories live (<c>replication-postgres-&lt;uid&gt;</c> in the temp directory).</summary>
    public static string Root { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(),
        Posix.EffectiveUserId() is { } userId ? string.Create(CultureInfo.InvariantCulture, $"replication-postgres-{userId}") : "replication-postgres");

    public string Path { get; }

    public ServerUser ServerUser { get; }

    public string HbaFile => System.IO.Path.Combine(Path, "pg_hba.conf");

    public string SuperuserPasswordFile => System.IO.Path.Combine(Path, "superuser.password");

    public string DataDirectoryOf(string nodeName) => System.IO.Path.Combine(Path, nodeName);

    /// <summary>Stands in when nothing runs (publishing a manifest): paths are computed, nothing is created.</summary>
    public static RunDirectory Placeholder { get; } = new(System.IO.Path.Combine(Root, "publish"), ServerUser.Own);

    /// <summary>Names this run's directory; nothing is written until <see cref="Create"/>, so a model that is built but never started leaves nothing behind.</summary>
    public static RunDirectory ForThisRun(ServerUser serverUser) =>
        new(System.IO.Path.Combine(Root, $"{RunPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]), serverUser);

    /// <summary>
    /// Creates the directory once the app starts (DCP needs it before it starts the first executable), then lets
    /// <paramref name="populate"/> write into it; it is removed by a service the container disposes, so even an app
    /// that never stops normally leaves nothing. If it cannot be made, the AppHost stops with one line saying why.
    /// </summary>
    public void CreateAtStart(IDistributedApplicationBuilder builder, Func<IServiceProvider, CancellationToken, Task> populate)
    {
        builder.Services.AddSingleton(services => new RunDirectoryCleanup(this, services.GetRequiredService<IHostApplicationLifetime>()));
        StartupMessages.OnStart(builder, "Aspire.Hosting.PostgresReplicaSet", "Creating the PostgreSQL run directory", async (services, cancellationToken) =>
        {
            services.GetRequiredService<RunDirectoryCleanup>();
            Create();
            await populate(services, cancellationToken);
        });
    }

    /// <summary>Creates a directory inside the run directory that only the server user can enter.</summary>
    public void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        ServerUser.GiveOwnership(path);
    }

    /// <summary>Sweeps abandoned runs, then creates this run's directory, owned by the server user.</summary>
    /// <exception cref="InvalidOperationException">The user's root cannot be had (it belongs to someone else, or is not a directory).</exception>
    public void Create()
    {
        CreateRoot();
        SweepAbandonedRuns();
        CreatePrivateDirectory(Path);
    }

    /// <summary>
    /// Writes a file only the server user can read (e.g. pg_hba.conf, initdb's password file).
    /// </summary>
    public void WritePrivateFile(string path, string contents)
    {
        File.WriteAllText(path, contents);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        ServerUser.GiveOwnership(path);
    }

    /// <summary>Stops any server still running from this directory, then deletes it.</summary>
    public void Delete() => StopServersAndDelete(Path);

    /// <summary>
    /// The user's root, private to them; traversable (not listable) by others when the servers run as another user.
    /// In a shared temp directory anyone may have made it first, so it must be, or become, the AppHost's own.
    /// </summary>
    private void CreateRoot()
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Root);
            return;
        }

        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                   | (ServerUser.SwitchesUser ? UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : UnixFileMode.None);
        try
        {
            Directory.CreateDirectory(Root, mode);
            // chown to oneself succeeds only on what one owns (root may take anything), so this is the ownership check.
            Posix.ChangeOwner(Root, Posix.EffectiveUserId()!.Value, Posix.EffectiveGroupId()!.Value);
            File.SetUnixFileMode(Root, mode);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL run directory root {Root} cannot be used ({exception.Message}). " +
                "It must be a directory of your own: remove it, or point TMPDIR elsewhere.", exception);
        }
    }

    private static void SweepAbandonedRuns()
    {
        foreach (var directory in Directory.GetDirectories(Root, $"{RunPrefix}*"))
        {
            var owner = System.IO.Path.GetFileName(directory)[RunPrefix.Length..].Split('-')[0];
            if (int.TryParse(owner, CultureInfo.InvariantCulture, out var ownerPid) && !IsAlive(ownerPid))
            {
                StopServersAndDelete(directory);
            }
        }
    }

    private static void StopServersAndDelete(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var pidFile in Directory.GetFiles(directory, "postmaster.pid", SearchOption.AllDirectories))
        {
            StopServer(pidFile);
        }

        StopProcessesRunningFrom(directory);

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A server that just exited may still be removing its own files; one retry covers that race.
            Thread.Sleep(200);
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void StopServer(string pidFile)
    {
        if (PostmasterPidFile.Read(pidFile) is { } pid)
        {
            // SIGKILL: the data is about to be deleted, so a clean shutdown buys nothing. Its children exit with it.
            PostgresProcesses.KillIfPostmaster(pid);
        }
    }

    /// <summary>
    /// Whatever else still runs on the directory (a Patroni that would restart its server, an etcd member) names it on
    /// its command line; an HA manager is killed before it can react to its server's death.
    /// </summary>
    private static void StopProcessesRunningFrom(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        foreach (var process in ProcessTree.All().Where(process => process.CommandLine.Contains(directory, StringComparison.Ordinal)))
        {
            try
            {
                Signals.Send(process.Pid, Signal.Kill);
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
