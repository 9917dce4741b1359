namespace Replication.Tests.Kit;

/// <summary>
/// Runs the built AppHost as a process of its own (<c>dotnet Replication.AppHost.dll …</c>) until it exits, for what
/// only a real start shows: exit codes, console output, a published manifest. Killed, with its children, at the deadline.
/// </summary>
public static class AppHostProcess
{
    public static async Task<(int ExitCode, string Output)> RunAsync(
        IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var appHost = BuiltProjects.AssemblyOf(Projects.Replication_AppHost.ProjectPath);
        var command = new CommandLine("dotnet", [appHost, .. arguments])
        {
            Environment = environment.ToDictionary(variable => variable.Key, variable => (string?)variable.Value),
        };
        var result = await CommandRunner.RunAsync(command, timeout, cancellationToken);
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }
}
