using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Replication.Hosting.Faults;
using Replication.Processes;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// The directory one AppHost run keeps its PostgreSQL data in, removed when the AppHost stops.
/// Runs that died without cleaning up are swept at the next start: their servers are stopped and
/// their directories deleted. Each user has a root of their own under the temp directory, so runs of root and of
/// other users on one machine never meet in a directory one of them cannot write. It holds a directory per member
/// (a server's data below it), the integration's scripts, and the launchers the dashboard shows as each member's source.
/// </summary>
internal sealed class RunDirectory
{
    private const string RunPrefix = "run-";

    private readonly Dictionary<string, string> launchers = [];
    private readonly List<(string Path, bool ForServer)> memberDirectories = [];
    private readonly List<Func<CancellationToken, Task>> writers = [];

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

    /// <summary>A member's own directory: its program's files, and a server's data in <c>data</c> below it.</summary>
    public string MemberDirectoryOf(string memberName) => System.IO.Path.Combine(Path, memberName);

    /// <summary>The integration's scripts, copied where the server user can read them.</summary>
    public string ScriptsDirectory => System.IO.Path.Combine(Path, "scripts");

    private string LaunchersDirectory => System.IO.Path.Combine(Path, "bin");

    /// <summary>Stands in when nothing runs (publishing a manifest): paths are computed, nothing is created.</summary>
    public static RunDirectory Placeholder { get; } = new(System.IO.Path.Combine(Root, "publish"), ServerUser.Own);

    /// <summary>Names this run's directory; nothing is written until <see cref="Create"/>, so a model that is built but never started leaves nothing behind.</summary>
    public static RunDirectory ForThisRun(ServerUser serverUser) =>
        new(System.IO.Path.Combine(Root, $"{RunPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]), serverUser);

    /// <summary>
    /// Creates the directory once the app starts (DCP needs it before it starts the first executable), with the scripts,
    /// the launchers and the members' directories, then runs what was handed to <see cref="WriteAtStart"/>. It is removed
    /// by a service the container disposes, so even an app that never stops normally leaves nothing. If it cannot be
    /// made, the AppHost stops with one line saying why.
    /// </summary>
    public void CreateAtStart(IDistributedApplicationBuilder builder)
    {
        builder.Services.AddSingleton(services => new RunDirectoryCleanup(this, services.GetRequiredService<IHostApplicationLifetime>()));
        StartupMessages.OnStart(builder, StartupMessages.ReplicaSetCategory, "Creating the PostgreSQL run directory", async (services, cancellationToken) =>
        {
            services.GetRequiredService<RunDirectoryCleanup>();
            Create();
            CopyScripts();
            WriteLaunchers();
            foreach (var (directory, forServer) in memberDirectories)
            {
                CreateMemberDirectory(directory, forServer);
            }

            foreach (var write in writers)
            {
                await write(cancellationToken).ConfigureAwait(false);
            }
        });
    }

    /// <summary>Runs <paramref name="write"/> once the directory exists, before anything starts.</summary>
    public void WriteAtStart(Func<CancellationToken, Task> write) => writers.Add(write);

    /// <summary>Has a member's directory made at start: private to the server user when it runs a server, the AppHost's own otherwise.</summary>
    public void AddMemberDirectory(string memberName, bool forServer) => memberDirectories.Add((MemberDirectoryOf(memberName), forServer));

    /// <summary>
    /// What an executable resource runs to start <paramref name="program"/> with <paramref name="leadingArguments"/>: the
    /// program itself, or, when it must switch to the server user or starts a script, a launcher named
    /// <paramref name="name"/> in this directory (<c>exec setpriv … program "$@"</c>). The dashboard shows it as the
    /// resource's source: the launcher's name says what runs, where <c>setpriv --reuid=…</c> would not.
    /// </summary>
    public string Launcher(string name, string program, IReadOnlyList<string> leadingArguments, bool asServerUser)
    {
        var switching = asServerUser && ServerUser.SwitchesUser;
        if (!switching && leadingArguments.Count == 0)
        {
            return program;
        }

        var (command, prefix) = asServerUser ? ServerUser.Wrap(program) : (program, []);
        launchers[name] = $"#!/bin/sh\nexec {string.Join(' ', new[] { command }.Concat(prefix).Concat(leadingArguments).Select(Quote))} \"$@\"\n";
        return System.IO.Path.Combine(LaunchersDirectory, name);
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

    private void CopyScripts()
    {
        CreatePrivateDirectory(ScriptsDirectory);
        foreach (var source in Directory.GetFiles(IntegrationScripts.Directory, "*", SearchOption.AllDirectories))
        {
            var target = System.IO.Path.Combine(ScriptsDirectory, System.IO.Path.GetRelativePath(IntegrationScripts.Directory, source));
            var directory = System.IO.Path.GetDirectoryName(target)!;
            if (!Directory.Exists(directory))
            {
                CreatePrivateDirectory(directory);
            }

            WritePrivateFile(target, File.ReadAllText(source));
        }
    }

    private void WriteLaunchers()
    {
        if (launchers.Count == 0)
        {
            return;
        }

        Directory.CreateDirectory(LaunchersDirectory);
        foreach (var (name, text) in launchers)
        {
            var path = System.IO.Path.Combine(LaunchersDirectory, name);
            File.WriteAllText(path, text);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    private void CreateMemberDirectory(string directory, bool forServer)
    {
        if (forServer)
        {
            CreatePrivateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory);
        }
    }

    private static string Quote(string word) => $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";

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
            ProcessSignals.KillIfPostmaster(pid);
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
