using Microsoft.Extensions.Configuration;
using Replication.Processes;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>The container runtime's own command line (<c>docker</c> or <c>podman</c>), the one Aspire itself uses.</summary>
internal sealed record ContainerRuntimeCli(string Program)
{
    /// <summary><c>ASPIRE_CONTAINER_RUNTIME</c> (or the older <c>DOTNET_</c> name), docker by default.</summary>
    public static ContainerRuntimeCli Configured(IConfiguration configuration) =>
        new(configuration["ASPIRE_CONTAINER_RUNTIME"] ?? configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"] ?? "docker");

    /// <summary>Whether the runtime answers <c>info</c> within <paramref name="timeout"/>; asked synchronously, at model build.</summary>
    public bool Answers(TimeSpan timeout) => CommandRunner.Run(Program, ["info"], timeout).Succeeded;

    public Task<CommandResult> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken) =>
        CommandRunner.RunAsync(Program, arguments, timeout, cancellationToken);

    public override string ToString() => Program;
}
