using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using CliWrap;

namespace Replication.Processes;

/// <summary>
/// The one way the graph runs a command to its end: with a deadline, standard input closed, both outputs captured,
/// and the whole process tree killed when the deadline passes or the caller cancels. Built on CliWrap.
/// </summary>
public static class CommandRunner
{
    /// <summary>Runs <paramref name="command"/> until it exits, or kills it (with its children) at <paramref name="timeout"/>.</summary>
    /// <param name="command">What to run.</param>
    /// <param name="timeout">How long it may take.</param>
    /// <param name="cancellationToken">Kills the command when cancelled, and then throws.</param>
    /// <returns>How it ended and what it printed.</returns>
    public static async Task<CommandResult> RunAsync(CommandLine command, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        // Kept outside the command, so what it printed before a deadline is still there to explain it.
        var output = new StringBuilder();
        var errors = new StringBuilder();
        try
        {
            var result = await Wrap(command)
                .WithStandardOutputPipe(PipeTarget.ToStringBuilder(output))
                .WithStandardErrorPipe(PipeTarget.ToStringBuilder(errors))
                .ExecuteAsync(deadline.Token);
            return new CommandResult(CommandOutcome.Exited, result.ExitCode, output.ToString(), errors.ToString());
        }
        catch (Win32Exception)
        {
            return new CommandResult(CommandOutcome.NotFound, -1, "", "");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new CommandResult(CommandOutcome.TimedOut, -1, output.ToString(), errors.ToString());
        }
    }

    /// <summary>As <see cref="RunAsync(CommandLine, TimeSpan, CancellationToken)"/>, for a program and its arguments.</summary>
    /// <param name="program">The executable.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="timeout">How long it may take.</param>
    /// <param name="cancellationToken">Kills the command when cancelled, and then throws.</param>
    /// <returns>How it ended and what it printed.</returns>
    public static Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        RunAsync(new CommandLine(program, arguments), timeout, cancellationToken);

    /// <summary>
    /// Runs a short command synchronously, for the few places that must decide before anything asynchronous can run
    /// (building the application model). It blocks on the process itself, never on a task.
    /// </summary>
    /// <param name="program">The executable.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="timeout">How long it may take before it is killed.</param>
    /// <returns>How it ended and what it printed.</returns>
    public static CommandResult Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception($"{program} did not start.");
        }
        catch (Win32Exception)
        {
            return new CommandResult(CommandOutcome.NotFound, -1, "", "");
        }

        using (process)
        {
            var output = new StringBuilder();
            var errors = new StringBuilder();
            process.OutputDataReceived += (_, line) => output.AppendLine(line.Data);
            process.ErrorDataReceived += (_, line) => errors.AppendLine(line.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.StandardInput.Close();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return new CommandResult(CommandOutcome.TimedOut, -1, output.ToString(), errors.ToString());
            }

            process.WaitForExit(); // Drains the asynchronous readers.
            return new CommandResult(CommandOutcome.Exited, process.ExitCode, output.ToString(), errors.ToString());
        }
    }

    internal static Command Wrap(CommandLine command) =>
        Cli.Wrap(command.Program)
            .WithArguments(command.Arguments)
            .WithWorkingDirectory(command.WorkingDirectory ?? Directory.GetCurrentDirectory())
            .WithEnvironmentVariables(command.Environment)
            .WithStandardInputPipe(PipeSource.Null)
            .WithValidation(CommandResultValidation.None);
}
