namespace Replication.Tests.ContainerRuntime;

/// <summary>Whether the container runtime Aspire would use (docker, or ASPIRE_CONTAINER_RUNTIME) answers here.</summary>
internal static class ContainerEngine
{
    public static string Configured =>
        Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME")
        ?? Environment.GetEnvironmentVariable("DOTNET_ASPIRE_CONTAINER_RUNTIME")
        ?? "docker";

    public static async Task<bool> AnswersAsync() =>
        (await CommandRunner.RunAsync(Configured, ["info"], TimeSpan.FromSeconds(10))).Succeeded;
}
