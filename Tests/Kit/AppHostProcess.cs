using System.Diagnostics;

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
        var start = new ProcessStartInfo("dotnet", [appHost, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        return (process.ExitCode, await output + await errors);
    }
}
