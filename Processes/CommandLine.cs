namespace Replication.Processes;

/// <summary>A program to run, with its arguments, environment and working directory.</summary>
/// <param name="Program">The executable: a path, or a name looked up on PATH.</param>
/// <param name="Arguments">Its arguments, each passed as one argument (no shell).</param>
public sealed record CommandLine(string Program, IReadOnlyList<string> Arguments)
{
    /// <summary>Variables set (or, with a null value, removed) on top of this process's environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Where the program starts; this process's current directory when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The same command with one more environment variable.</summary>
    /// <param name="name">The variable.</param>
    /// <param name="value">Its value.</param>
    /// <returns>A new command line.</returns>
    public CommandLine WithEnvironment(string name, string? value) =>
        this with { Environment = new Dictionary<string, string?>(Environment) { [name] = value } };

    /// <inheritdoc />
    public override string ToString() => string.Join(' ', Arguments.Prepend(Program));
}

/// <summary>How a command ended.</summary>
public enum CommandOutcome
{
    /// <summary>It exited by itself; see <see cref="CommandResult.ExitCode"/>.</summary>
    Exited,

    /// <summary>The program does not exist or cannot be executed.</summary>
    NotFound,

    /// <summary>It was still running at the deadline, and was killed with its children.</summary>
    TimedOut,
}

/// <summary>What a command printed, and how it ended.</summary>
/// <param name="Outcome">Whether it exited, was missing, or was killed at the deadline.</param>
/// <param name="ExitCode">Its exit code; -1 unless <paramref name="Outcome"/> is <see cref="CommandOutcome.Exited"/>.</param>
/// <param name="StandardOutput">Everything it wrote to standard output.</param>
/// <param name="StandardError">Everything it wrote to standard error.</param>
public sealed record CommandResult(CommandOutcome Outcome, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>It exited with 0.</summary>
    public bool Succeeded => Outcome == CommandOutcome.Exited && ExitCode == 0;

    /// <summary>One line for a log or an exception message: how it ended, and its last words on standard error.</summary>
    /// <returns>For example "exited with 1: pg_rewind: error: …".</returns>
    public string Describe()
    {
        var ending = Outcome switch
        {
            CommandOutcome.NotFound => "could not be started (not installed?)",
            CommandOutcome.TimedOut => "did not finish in time and was killed",
            _ => $"exited with {ExitCode}",
        };
        var lastError = StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return lastError is null ? ending : $"{ending}: {lastError}";
    }
}
