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
    /// standby's walsenders in its primary's container, <paramref name="firstDescription"/>) <paramref name="resumeFirst"/> undoes last,
    /// also when the pause fails: a primary's walsender left stopped holds its shutdown for ever (a CI run's switchover
    /// hung in 'shutting down' that way).
    /// </summary>
    public async Task<FrozenMember> PauseAsync(string name, string id, string? firstDescription, Func<Task>? resumeFirst, CancellationToken cancellationToken)
    {
        async Task ResumeAsync()
        {
            // A container killed meanwhile has nothing to resume.
            await engine.RunAsync(["unpause", id], EngineTimeout, CancellationToken.None).ConfigureAwait(false);
            if (resumeFirst is not null)
            {
                await resumeFirst().ConfigureAwait(false);
            }
        }

        try
        {
            await PauseOrThrowAsync(name, id, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ResumeAsync().ConfigureAwait(false);
            throw;
        }

        return new FrozenMember($"{name}: container {Short(id)} paused" + (firstDescription is null ? "" : $"; {firstDescription}"), ResumeAsync);
    }

    /// <summary>
    /// The freezer gives up when a process does not stop in time (runc's 'unable to freeze', seen in CI on a loaded
    /// machine: a process in uninterruptible sleep); the pause is undone and tried again, twice at most.
    /// </summary>
    private async Task PauseOrThrowAsync(string name, string id, CancellationToken cancellationToken)
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var result = await engine.RunAsync(["pause", id], EngineTimeout, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                break;
            }

            if (attempt == attempts)
            {
                throw new InvalidOperationException($"{engine} pause {id} failed {attempts} times: {result.Describe()}");
            }

            await engine.RunAsync(["unpause", id], EngineTimeout, CancellationToken.None).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        }

        var paused = await engine.RunAsync(["inspect", "--format", "{{.State.Paused}}", id], EngineTimeout, cancellationToken).ConfigureAwait(false);
        if (paused.StandardOutput.Trim() != "true")
        {
            throw new InvalidOperationException($"{name}'s container {Short(id)} is not paused after {engine} pause: {paused.Describe()}");
        }
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
