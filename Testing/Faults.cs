namespace Replication.Testing;

/// <summary>
/// Breaks the app's resources on purpose, through the commands the integration gives them
/// (<see cref="ResourceFaultCommands"/>: Kill, Freeze, Resume, on a resource that has them) and Aspire's own Stop and
/// Start. Every fault returns only once it is seen from outside: a killed resource is no longer Running and its
/// process is gone, a frozen one is stopped or paused.
/// </summary>
public sealed class Faults(DistributedApplication app)
{
    private static readonly TimeSpan EffectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long Aspire's own Start and Stop commands may take to return (a project's start includes <c>dotnet run</c>).</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    /// <summary>SIGKILLs the resource's own process (a project's service binary, never a <c>dotnet run</c> wrapper in front of it), or its container.</summary>
    public async Task KillAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        var pid = app.SnapshotOf(resourceName).PropertyValue("container.id") is null ? app.ProcessOf(resourceName) : (int?)null;
        await ExecuteCommandAsync(resourceName, ResourceFaultCommands.Kill, cancellationToken).ConfigureAwait(false);
        if (pid is { } process)
        {
            await WaitUntilAsync(() => !ProcessTree.IsAlive(process), $"process {process} of {resourceName} to exit", cancellationToken).ConfigureAwait(false);
        }

        await WaitForStateAsync(resourceName, state => state is not null && state != KnownResourceStates.Running && state != KnownResourceStates.Starting, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Freezes the resource (its Freeze command) until the returned <see cref="FrozenNode"/> is thawed; returns once it is frozen.</summary>
    public async Task<FrozenNode> FreezeAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        var frozen = new FrozenNode(app, resourceName, await ExecuteCommandAsync(resourceName, ResourceFaultCommands.Freeze, cancellationToken).ConfigureAwait(false));
        if (!await MemberState.IsFrozenAsync(app, resourceName, cancellationToken).ConfigureAwait(false))
        {
            await frozen.ThawAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"{resourceName} is not frozen after its Freeze command ({frozen.Description}).");
        }

        return frozen;
    }

    /// <summary>
    /// Freezes the resource for <paramref name="duration"/>, then resumes it. Returns once it is frozen; the returned task
    /// completes when it runs again.
    /// </summary>
    public async Task<Task> HangAsync(string resourceName, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var frozen = await FreezeAsync(resourceName, cancellationToken).ConfigureAwait(false);
        return ThawAfterAsync(frozen, duration);
    }

    /// <summary>Stops the resource with Aspire's own Stop command; returns once its process has exited.</summary>
    public async Task StopAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        var pid = app.ProcessOf(resourceName);
        var result = await app.ResourceCommands.ExecuteCommandAsync(resourceName, KnownResourceCommands.StopCommand, cancellationToken)
            .WaitAsync(CommandTimeout, cancellationToken).ConfigureAwait(false);
        // DCP 13.6 can report "Failed to stop resource" for a project whose process it did stop (its state then reads
        // Unknown). What matters is the process: it must be gone, or the stop really failed.
        await WaitUntilAsync(() => !ProcessTree.IsAlive(pid), $"process {pid} of {resourceName} to exit ({result.Message})", cancellationToken).ConfigureAwait(false);
        await WaitForStateAsync(resourceName, state => state is not null && state != KnownResourceStates.Running && state != KnownResourceStates.Starting, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the resource with Aspire's own Start command, and waits until it is healthy. A container is made anew by
    /// Start, and the exit of the one it replaces may be reported after it: that does not count as this start failing.
    /// </summary>
    public async Task StartAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        await ExecuteCommandAsync(resourceName, KnownResourceCommands.StartCommand, cancellationToken).ConfigureAwait(false);
        await app.ResourceNotifications.WaitForResourceHealthyAsync(resourceName, WaitBehavior.WaitOnResourceUnavailable, cancellationToken)
            .WaitAsync(CommandTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The process that *is* the resource (see <see cref="AppSnapshots.ProcessOf"/>).</summary>
    public int ProcessOf(string resourceName) => app.ProcessOf(resourceName);

    private static async Task ThawAfterAsync(FrozenNode frozen, TimeSpan duration)
    {
        await Task.Delay(duration).ConfigureAwait(false);
        await frozen.ThawAsync().ConfigureAwait(false);
    }

    private async Task<string> ExecuteCommandAsync(string resourceName, string command, CancellationToken cancellationToken)
    {
        var result = await app.ResourceCommands.ExecuteCommandAsync(resourceName, command, cancellationToken)
            .WaitAsync(CommandTimeout, cancellationToken).ConfigureAwait(false);
        return result.Success ? result.Message ?? "" : throw new InvalidOperationException($"{command} on {resourceName} failed: {result.Message}");
    }

    private async Task WaitForStateAsync(string resourceName, Func<string?, bool> predicate, CancellationToken cancellationToken) =>
        await app.ResourceNotifications.WaitForResourceAsync(resourceName, resourceEvent => predicate(resourceEvent.Snapshot.State?.Text), cancellationToken)
            .WaitAsync(EffectTimeout, cancellationToken).ConfigureAwait(false);

    private static Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken) =>
        Poll.UntilOrThrowAsync(_ => Task.FromResult(condition()), EffectTimeout, TimeSpan.FromMilliseconds(20), what, cancellationToken);
}
