
namespace Replication.Tests.Kit;

/// <summary>
/// Breaks the graph on purpose. Every fault returns only once it has taken effect: a killed process is
/// gone and its resource no longer Running, a hung process is stopped, a failure rate is in force.
/// Kill, hang and request faults are the AppHost's <see cref="ServiceFaultInjector"/>, the code behind the
/// services' dashboard commands.
/// </summary>
public sealed class Faults(DistributedApplication app)
{
    private static readonly TimeSpan EffectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long Aspire's own Start and Stop commands may take to return (a project's start includes <c>dotnet run</c>).</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    private ServiceFaultInjector Injector => app.Services.GetRequiredService<ServiceFaultInjector>();

    /// <summary>SIGKILLs the resource's own process: the service binary (not its <c>dotnet run</c> wrapper), or the postmaster.</summary>
    public Task KillAsync(string resourceName, CancellationToken cancellationToken = default) =>
        Injector.KillAsync(resourceName, cancellationToken);

    /// <summary>Stops the resource with Aspire's own Stop command; returns once its process has exited.</summary>
    public async Task StopAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        var pid = ProcessOf(resourceName);
        var result = await app.ResourceCommands.ExecuteCommandAsync(resourceName, KnownResourceCommands.StopCommand, cancellationToken)
            .WaitAsync(CommandTimeout, cancellationToken);
        // DCP 13.6 can report "Failed to stop resource" for a project whose process it did stop (its state then reads
        // Unknown). What matters is the process: it must be gone, or the stop really failed.
        await WaitUntilAsync(() => !ProcessTree.IsAlive(pid), $"process {pid} of {resourceName} to exit ({result.Message})", cancellationToken);
        await WaitForStateAsync(resourceName, state => state is not null && state != KnownResourceStates.Running && state != KnownResourceStates.Starting, cancellationToken);
    }

    /// <summary>
    /// Starts the resource with Aspire's own Start command, and waits until it is healthy. A container is made anew by
    /// Start, and the exit of the one it replaces may be reported after it: that does not count as this start failing.
    /// </summary>
    public async Task StartAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        await ExecuteCommandAsync(resourceName, KnownResourceCommands.StartCommand, cancellationToken);
        await app.ResourceNotifications.WaitForResourceHealthyAsync(resourceName, WaitBehavior.WaitOnResourceUnavailable, cancellationToken)
            .WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
    }

    /// <summary>
    /// Freezes the resource's process (SIGSTOP) for <paramref name="duration"/>, then resumes it (SIGCONT).
    /// Returns once the process is stopped; the returned task completes when it runs again.
    /// </summary>
    public Task<Task> HangAsync(string resourceName, TimeSpan duration, CancellationToken cancellationToken = default) =>
        Injector.HangAsync(resourceName, duration, cancellationToken);

    /// <summary>Makes <paramref name="rate"/> (0..1) of the service's requests answer <paramref name="status"/>, via its Polly chaos hook.</summary>
    public Task FailRequestsAsync(string serviceName, double rate, int status = 500, CancellationToken cancellationToken = default) =>
        Injector.FailRequestsAsync(serviceName, rate, status, cancellationToken);

    /// <summary>Makes every request to the service wait <paramref name="latency"/> first (an in-process hang).</summary>
    public Task DelayRequestsAsync(string serviceName, TimeSpan latency, CancellationToken cancellationToken = default) =>
        Injector.DelayRequestsAsync(serviceName, latency, cancellationToken);

    /// <summary>Resumes a hung process and clears the service's failure rate and latency.</summary>
    public Task ClearFaultsAsync(string serviceName, CancellationToken cancellationToken = default) =>
        Injector.ClearFaultsAsync(serviceName, cancellationToken);

    /// <summary>
    /// The process that *is* the resource. A project runs under a <c>dotnet run</c> wrapper; killing the wrapper
    /// is not the service crashing, so this finds the service binary below it.
    /// </summary>
    public int ProcessOf(string resourceName) => Injector.ProcessOf(resourceName);

    private async Task ExecuteCommandAsync(string resourceName, string command, CancellationToken cancellationToken)
    {
        var result = await app.ResourceCommands.ExecuteCommandAsync(resourceName, command, cancellationToken).WaitAsync(CommandTimeout, cancellationToken);
        if (!result.Success)
        {
            throw new InvalidOperationException($"Command {command} on {resourceName} failed: {result.Message}");
        }
    }

    private async Task WaitForStateAsync(string resourceName, Func<string?, bool> predicate, CancellationToken cancellationToken) =>
        await app.ResourceNotifications.WaitForResourceAsync(resourceName, resourceEvent => predicate(resourceEvent.Snapshot.State?.Text), cancellationToken)
            .WaitAsync(EffectTimeout, cancellationToken);

    private static Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken) =>
        Poll.UntilOrThrowAsync(_ => Task.FromResult(condition()), EffectTimeout, TimeSpan.FromMilliseconds(20), what, cancellationToken);
}
