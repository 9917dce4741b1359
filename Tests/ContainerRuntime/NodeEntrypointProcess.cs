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

    public static string ScriptPath { get; } =
        Path.Combine(PostgresContainerRuntime.ScriptsDirectory, "node-entrypoint.sh");

    public string Output => string.Join('\n', command.RecentOutput);

    public bool HasExited => command.HasExited;

    public static NodeEntrypointProcess Start(string dataDirectory, IReadOnlyDictionary<string, string> environment, IEnumerable<string> serverArguments)
    {
        IEnumerable<string> program = Environment.UserName == "root"
            ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", "sh", ScriptPath]
            : ["sh", ScriptPath];
        var variables = environment.ToDictionary(variable => variable.Key, variable => (string?)variable.Value);
        variables["PATH"] = $"{PostgresBinDirectory()}:{Environment.GetEnvironmentVariable("PATH")}";
        variables["PGDATA"] = dataDirectory;
        return new NodeEntrypointProcess(BackgroundCommand.Start(
            new CommandLine(program.First(), [.. program.Skip(1), .. serverArguments])
            {
                WorkingDirectory = Path.GetTempPath(),
                Environment = variables,
            }));
    }

    /// <summary>A directory the <c>postgres</c> user may create its data directory in.</summary>
    public static string CreateScratchDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), $"node-entrypoint-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        }

        return path;
    }

    /// <summary>Stops the server the script became (an interrupt: a fast, clean shutdown), or the script if it is still cloning.</summary>
    public Task StopAsync() => command.StopAsync(StopGrace);

    public ValueTask DisposeAsync() => command.DisposeAsync();

    private static string PostgresBinDirectory() =>
        Directory.GetDirectories("/usr/lib/postgresql").Select(version => Path.Combine(version, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "pg_basebackup")))
            .OrderDescending()
            .First();
}
