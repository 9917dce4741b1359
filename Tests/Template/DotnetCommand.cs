using System.Diagnostics;

namespace Replication.Tests.Template;

/// <summary>One run of the dotnet CLI, with its output kept for the failure message.</summary>
public sealed record DotnetResult(string Command, int ExitCode, string Output, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() =>
        $"`dotnet {Command}` exited with {ExitCode} after {Duration.TotalSeconds:F1} s:\n{Tail(Output, 6000)}";

    private static string Tail(string text, int length) => text.Length <= length ? text : "…" + text[^length..];
}

/// <summary>
/// Runs <c>dotnet</c> as a child process, as a user would from a shell: without the test host's MSBuild and
/// VSTest variables, without leaving MSBuild nodes behind, and killed with its whole tree on timeout.
/// </summary>
public static class DotnetCommand
{
    public static async Task<DotnetResult> RunAsync(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(IsTestHostVariable)
            .ToDictionary(name => name, _ => (string?)null);
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        var command = new CommandLine("dotnet", arguments) { WorkingDirectory = workingDirectory, Environment = environment };

        var stopwatch = Stopwatch.StartNew();
        var result = await CommandRunner.RunAsync(command, timeout, TestContext.Current.CancellationToken);
        var run = new DotnetResult(string.Join(' ', arguments), result.ExitCode, result.StandardOutput + result.StandardError, stopwatch.Elapsed);
        return result.Outcome == CommandOutcome.TimedOut ? throw new TimeoutException(run.ToString()) : run;
    }

    private static bool IsTestHostVariable(string name) =>
        name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase)
        || name.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase);
}
