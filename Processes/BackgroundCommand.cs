using System.Collections.Concurrent;
using CliWrap;

namespace Replication.Processes;

/// <summary>
/// A long-running command (a server, a load generator) started in the background, with its output kept line by line.
/// Disposing it stops it: an interrupt first (SIGINT on POSIX), then a kill of its whole tree after a grace period.
/// </summary>
public sealed class BackgroundCommand : IAsyncDisposable
{
    private const int LinesKept = 1000;
    private readonly ConcurrentQueue<string> lines = new();
    private readonly CancellationTokenSource graceful = new();
    private readonly CancellationTokenSource forceful = new();
    private readonly CommandTask<CliWrap.CommandResult> task;

    private BackgroundCommand(CommandLine command, Action<string>? onLine)
    {
        Command = command;
        void Keep(string line)
        {
            lines.Enqueue(line);
            while (lines.Count > LinesKept)
            {
                lines.TryDequeue(out _);
            }

            onLine?.Invoke(line);
        }

        task = CommandRunner.Wrap(command)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(Keep))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(Keep))
            .ExecuteAsync(forceful.Token, graceful.Token);
        Completion = Observe(task);
    }

    /// <summary>What runs.</summary>
    public CommandLine Command { get; }

    /// <summary>The process id of the program.</summary>
    public int ProcessId => task.ProcessId;

    /// <summary>Completes with the exit code when the program exits, however it ends.</summary>
    public Task<int> Completion { get; }

    /// <summary>Whether the program has exited.</summary>
    public bool HasExited => Completion.IsCompleted;

    /// <summary>The last lines it wrote, standard output and error interleaved.</summary>
    public IReadOnlyList<string> RecentOutput => [.. lines];

    /// <summary>Starts <paramref name="command"/>.</summary>
    /// <param name="command">What to run.</param>
    /// <param name="onLine">Called with each line it writes, e.g. to forward it to a test's output.</param>
    /// <returns>The running command.</returns>
    /// <exception cref="System.ComponentModel.Win32Exception">The program could not be started.</exception>
    public static BackgroundCommand Start(CommandLine command, Action<string>? onLine = null) => new(command, onLine);

    /// <summary>Interrupts the program, and kills its tree if it has not exited within <paramref name="grace"/>.</summary>
    /// <param name="grace">How long a clean exit may take.</param>
    /// <returns>Its exit code.</returns>
    public async Task<int> StopAsync(TimeSpan grace)
    {
        if (!HasExited)
        {
            await graceful.CancelAsync();
            forceful.CancelAfter(grace);
        }

        return await Completion;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        graceful.Dispose();
        forceful.Dispose();
    }

    private static async Task<int> Observe(CommandTask<CliWrap.CommandResult> running)
    {
        try
        {
            return (await running).ExitCode;
        }
        catch (OperationCanceledException)
        {
            return -1; // Stopped by us: the exit code of an interrupted or killed program says nothing more.
        }
    }
}
