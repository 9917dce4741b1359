using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Replication.Hosting.PostgresReplicaSet;

namespace Replication.Hosting.Faults;

/// <summary>Crashes and freezes of containers, through the container runtime's own command line.</summary>
internal sealed class ContainerFaults(ContainerRuntimeCli engine)
{
    private const string ContainerIdProperty = "container.id";

    private static readonly TimeSpan EngineTimeout = TimeSpan.FromSeconds(60);

    public ContainerRuntimeCli Engine => engine;

    /// <summary>The resource's container, as the orchestrator reports it; null when it has none.</summary>
    public static string? ContainerIdOf(IResource resource, IServiceProvider services) =>
        services.GetRequiredService<ResourceNotificationService>().TryGetCurrentState(resource.Name, out var state)
        && state.Snapshot.Properties.FirstOrDefault(property => property.Name == ContainerIdProperty)?.Value is string { Length: > 0 } id
            ? id
            : null;

    /// <summary>SIGKILL to the container: every process in it dies at once, as with the loss of its machine.</summary>
    public async Task<string> KillAsync(string id, CancellationToken cancellationToken)
    {
        await RunOrThrowAsync(["kill", "--signal", "KILL", id], "kill", cancellationToken).ConfigureAwait(false);
        return $"container {Short(id)}";
    }

    /// <summary>
    /// <c>docker pause</c>: the cgroup freezer stops every process of the container. What the caller froze first (e.g. a
    /// standby's walsenders in its primary's container, <paramref name="firstDescription"/>) <paramref name="resumeFirst"/> undoes last.
    /// </summary>
    public async Task<FrozenMember> PauseAsync(string name, string id, string? firstDescription, Func<Task>? resumeFirst, CancellationToken cancellationToken)
    {
        await RunOrThrowAsync(["pause", id], "pause", cancellationToken).ConfigureAwait(false);
        var paused = await engine.RunAsync(["inspect", "--format", "{{.State.Paused}}", id], EngineTimeout, cancellationToken).ConfigureAwait(false);
        if (paused.StandardOutput.Trim() != "true")
        {
            throw new InvalidOperationException($"{name}'s container {Short(id)} is not paused after {engine} pause: {paused.Describe()}");
        }

        return new FrozenMember($"{name}: container {Short(id)} paused" + (firstDescription is null ? "" : $"; {firstDescription}"), async () =>
        {
            // A container killed meanwhile has nothing to resume.
            await engine.RunAsync(["unpause", id], EngineTimeout, CancellationToken.None).ConfigureAwait(false);
            if (resumeFirst is not null)
            {
                await resumeFirst().ConfigureAwait(false);
            }
        });
    }

    /// <summary>Runs <paramref name="script"/> in the container (<c>sh -c</c>); its output, or null when it failed.</summary>
    public async Task<string?> ExecAsync(string id, string script, CancellationToken cancellationToken)
    {
        var result = await engine.RunAsync(["exec", id, "sh", "-c", script], EngineTimeout, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result.StandardOutput : null;
    }

    private async Task RunOrThrowAsync(IReadOnlyList<string> arguments, string what, CancellationToken cancellationToken)
    {
        var result = await engine.RunAsync(arguments, EngineTimeout, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{engine} {what} {arguments[^1]} failed: {result.Describe()}");
        }
    }

    private static string Short(string id) => id[..Math.Min(12, id.Length)];
}
