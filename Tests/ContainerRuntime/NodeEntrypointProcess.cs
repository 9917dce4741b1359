namespace Replication.Tests.ContainerRuntime;

/// <summary>
/// The container runtime's <c>node-entrypoint.sh</c>, run on this machine as a plain process (as the <c>postgres</c>
/// user when the tests run as root, the way the container runs it after gosu), with the machine's PostgreSQL binaries
/// on PATH. Disposing stops it and everything it started.
/// </summary>
internal sealed class NodeEntrypointProcess : IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(20);
    private readonly BackgroundCommand command;

    private NodeEntrypointProcess(BackgroundCommand command) => this.command = command;

    private const string ScriptName = "node-entrypoint.sh";

    public string Output => string.Join('\n', command.RecentOutput);

    public bool HasExited => command.HasExited;

    /// <summary>Runs the script's copy in <paramref name="scratchDirectory"/> (see <see cref="CreateScratchDirectory"/>) on its data directory.</summary>
    public static NodeEntrypointProcess Start(string scratchDirectory, IReadOnlyDictionary<string, string> environment, IEnumerable<string> serverArguments)
    {
        var script = Path.Combine(scratchDirectory, ScriptName);
        IEnumerable<string> program = Environment.UserName == "root"
            ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", "sh", script]
            : ["sh", script];
        var variables = environment.ToDictionary(variable => variable.Key, variable => (string?)variable.Value);
        variables["PATH"] = $"{PostgresBinDirectory()}:{Environment.GetEnvironmentVariable("PATH")}";
        variables["PGDATA"] = DataDirectoryIn(scratchDirectory);
        return new NodeEntrypointProcess(BackgroundCommand.Start(
            new CommandLine(program.First(), [.. program.Skip(1), .. serverArguments])
            {
                WorkingDirectory = Path.GetTempPath(),
                Environment = variables,
            }));
    }

    /// <summary>
    /// A directory the <c>postgres</c> user may create its data directory in, with a copy of the script it can read:
    /// the clone itself may be unreadable to it (a checkout in a <c>mktemp -d</c> directory is mode 700).
    /// </summary>
    public static string CreateScratchDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), $"node-entrypoint-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        var script = Path.Combine(path, ScriptName);
        File.Copy(ReplicaSetScripts.PathOf(ScriptName), script);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
            File.SetUnixFileMode(script, (UnixFileMode)0b110_100_100);
        }

        return path;
    }

    /// <summary>Where the script keeps its data (its PGDATA) inside a scratch directory.</summary>
    public static string DataDirectoryIn(string scratchDirectory) => Path.Combine(scratchDirectory, "data");

    /// <summary>The fence beside the data (<c>&lt;PGDATA&gt;.fenced</c>), as the AppHost writes it on a former primary's volume.</summary>
    public static string FenceFileIn(string scratchDirectory) => DataDirectoryIn(scratchDirectory) + ".fenced";

    /// <summary>Waits for the script to exit by itself (it refused to start the server); returns its exit code.</summary>
    public Task<int> WaitForExitAsync(TimeSpan timeout) => command.Completion.WaitAsync(timeout);

    /// <summary>Stops the server the script became (an interrupt: a fast, clean shutdown), or the script if it is still cloning.</summary>
    public Task StopAsync() => command.StopAsync(StopGrace);

    public ValueTask DisposeAsync() => command.DisposeAsync();

    private static string PostgresBinDirectory() =>
        Directory.GetDirectories("/usr/lib/postgresql").Select(version => Path.Combine(version, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "pg_basebackup")))
            .OrderDescending()
            .First();
}
