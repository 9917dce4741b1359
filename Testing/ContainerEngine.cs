namespace Replication.Testing;

/// <summary>
/// The container engine Aspire would use here: <c>docker</c> (or ASPIRE_CONTAINER_RUNTIME), on DOCKER_HOST when it is
/// set. <c>.ci/run</c> starts one on a private socket where none answers, and exports DOCKER_HOST for the tests.
/// </summary>
public static class ContainerEngine
{
    private static readonly Lazy<Task<bool>> Answering = new(async () =>
        (await CommandRunner.RunAsync(Configured, ["info"], TimeSpan.FromSeconds(10))).Succeeded);

    public static string Configured =>
        Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME")
        ?? Environment.GetEnvironmentVariable("DOTNET_ASPIRE_CONTAINER_RUNTIME")
        ?? "docker";

    /// <summary>Whether the engine answers <c>info</c>; asked once per test run.</summary>
    public static Task<bool> AnswersAsync() => Answering.Value;

    /// <summary>Why container tests cannot run here, or null when they can.</summary>
    public static async Task<string?> UnavailableBecauseAsync() =>
        await AnswersAsync()
            ? null
            : $"No container engine answers '{Configured} info' on this machine (set DOCKER_HOST, or run .ci/run, which starts one).";

    /// <summary>Runs an engine command (<c>docker …</c>) and returns its standard output; throws, with its errors, if it fails.</summary>
    public static async Task<string> RunAsync(IReadOnlyList<string> arguments, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var result = await CommandRunner.RunAsync(Configured, arguments, timeout ?? TimeSpan.FromMinutes(2), cancellationToken);
        return result.Succeeded
            ? result.StandardOutput
            : throw new InvalidOperationException($"{Configured} {string.Join(' ', arguments)} failed: {result.Describe()}");
    }
}
