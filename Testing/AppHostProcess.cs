namespace Replication.Testing;

/// <summary>
/// Runs a built AppHost as a process of its own (<c>dotnet MyApp.AppHost.dll …</c>) until it exits, for what only a
/// real start shows: exit codes, console output, a published manifest. Killed, with its children, at the deadline.
/// </summary>
/// <param name="appHostProjectPath">The AppHost project (its <c>Projects.*</c> type's <c>ProjectPath</c>); it must be built.</param>
public sealed class AppHostProcess(string appHostProjectPath)
{
    /// <summary>A Development run whose dashboard, OTLP and resource-service endpoints take free ports.</summary>
    public static IReadOnlyDictionary<string, string> OnFreePorts { get; } = new Dictionary<string, string>
    {
        ["DOTNET_ENVIRONMENT"] = "Development",
        ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = "http://127.0.0.1:0",
        ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = "http://127.0.0.1:0",
        ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
    };

    /// <summary>Runs the AppHost with <paramref name="arguments"/> until it exits or <paramref name="timeout"/> passes.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(
        IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var appHost = BuiltProjects.AssemblyOf(appHostProjectPath);
        var command = new CommandLine("dotnet", [appHost, .. arguments])
        {
            Environment = environment.ToDictionary(variable => variable.Key, variable => (string?)variable.Value),
        };
        var result = await CommandRunner.RunAsync(command, timeout, cancellationToken).ConfigureAwait(false);
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }

    /// <summary>
    /// <c>dotnet MyApp.AppHost.dll --publisher manifest --output-path …</c>, as <c>dotnet run</c> would; returns the
    /// manifest's text and what the AppHost printed.
    /// </summary>
    /// <exception cref="InvalidOperationException">Publishing failed; the message has what the AppHost printed.</exception>
    public async Task<(string Manifest, string Output)> PublishManifestAsync(string manifestPath, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunAsync(
            ["--publisher", "manifest", "--output-path", manifestPath, .. arguments], new Dictionary<string, string>(), TimeSpan.FromMinutes(2), cancellationToken)
            .ConfigureAwait(false);
        return exitCode == 0
            ? (await File.ReadAllTextAsync(manifestPath, cancellationToken).ConfigureAwait(false), output)
            : throw new InvalidOperationException($"Publishing failed ({exitCode}):\n{output}");
    }
}
