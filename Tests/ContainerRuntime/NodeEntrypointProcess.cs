using System.Diagnostics;
using System.Text;
using Replication.AppHost.ServiceFaults;
using Replication.Tests.Kit;

namespace Replication.Tests.ContainerRuntime;

/// <summary>
/// The container runtime's <c>node-entrypoint.sh</c>, run on this machine as a plain process (as the <c>postgres</c>
/// user when the tests run as root, the way the container runs it after gosu), with the machine's PostgreSQL binaries
/// on PATH. Disposing stops it and everything it started.
/// </summary>
internal sealed class NodeEntrypointProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private NodeEntrypointProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, line) => Append(line.Data);
        process.ErrorDataReceived += (_, line) => Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static string ScriptPath { get; } =
        Path.Combine(Projects.Replication_AppHost.ProjectPath, "PostgresReplicaSet", "Container", "node-entrypoint.sh");

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public bool HasExited => process.HasExited;

    public static NodeEntrypointProcess Start(string dataDirectory, IReadOnlyDictionary<string, string> environment, IEnumerable<string> serverArguments)
    {
        IEnumerable<string> command = Environment.UserName == "root"
            ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", "sh", ScriptPath]
            : ["sh", ScriptPath];
        var start = new ProcessStartInfo(command.First(), [.. command.Skip(1), .. serverArguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["PATH"] = $"{PostgresBinDirectory()}:{start.Environment["PATH"]}";
        start.Environment["PGDATA"] = dataDirectory;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new NodeEntrypointProcess(Process.Start(start)!);
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

    /// <summary>Stops the server the script became (SIGTERM: a clean shutdown), or the script if it is still cloning.</summary>
    public async Task StopAsync()
    {
        if (process.HasExited)
        {
            return;
        }

        Signals.Send(process.Id, Signals.Terminate);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        process.Dispose();
    }

    private static string PostgresBinDirectory() =>
        Directory.GetDirectories("/usr/lib/postgresql").Select(version => Path.Combine(version, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "pg_basebackup")))
            .OrderDescending()
            .First();

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
