using System.Net.Http.Json;

namespace Replication.Tests.Kit;

/// <summary>
/// Breaks the graph on purpose. Every fault returns only once it has taken effect: a killed process is
/// gone and its resource no longer Running, a hung process is stopped, a failure rate is in force.
/// </summary>
public sealed class Faults(DistributedApplication app)
{
    private static readonly TimeSpan EffectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>SIGKILLs the resource's own process: the service binary (not its <c>dotnet run</c> wrapper), or the postmaster.</summary>
    public async Task KillAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        var pid = ProcessOf(resourceName);
        Signals.Send(pid, Signals.Kill);
        await WaitUntilAsync(() => !ProcessTree.IsAlive(pid), $"process {pid} of {resourceName} to exit", cancellationToken);
        await WaitForStateAsync(resourceName, state => state is not null && state != KnownResourceStates.Running && state != KnownResourceStates.Starting, cancellationToken);
    }

    /// <summary>Stops the resource with Aspire's own Stop command; returns once its process has exited.</summary>
    public async Task StopAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        var pid = ProcessOf(resourceName);
        var result = await app.ResourceCommands.ExecuteCommandAsync(resourceName, KnownResourceCommands.StopCommand, cancellationToken);
        // DCP 13.6 can report "Failed to stop resource" for a project whose process it did stop (its state then reads
        // Unknown). What matters is the process: it must be gone, or the stop really failed.
        await WaitUntilAsync(() => !ProcessTree.IsAlive(pid), $"process {pid} of {resourceName} to exit ({result.Message})", cancellationToken);
        await WaitForStateAsync(resourceName, state => state is not null && state != KnownResourceStates.Running && state != KnownResourceStates.Starting, cancellationToken);
    }

    /// <summary>Starts the resource with Aspire's own Start command, and waits until it is healthy.</summary>
    public async Task StartAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        await ExecuteCommandAsync(resourceName, KnownResourceCommands.StartCommand, cancellationToken);
        await app.ResourceNotifications.WaitForResourceHealthyAsync(resourceName, cancellationToken).WaitAsync(TimeSpan.FromMinutes(1), cancellationToken);
    }

    /// <summary>
    /// Freezes the resource's process (SIGSTOP) for <paramref name="duration"/>, then resumes it (SIGCONT).
    /// Returns once the process is stopped; the returned task completes when it runs again.
    /// </summary>
    public async Task<Task> HangAsync(string resourceName, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var pid = ProcessOf(resourceName);
        Signals.Send(pid, Signals.Stop);
        await WaitUntilAsync(() => ProcessTree.StateOf(pid) == 'T', $"process {pid} of {resourceName} to stop", cancellationToken);
        return ResumeAfterAsync(pid, duration);
    }

    /// <summary>Makes <paramref name="rate"/> (0..1) of the service's requests answer <paramref name="status"/>, via its Polly chaos hook.</summary>
    public async Task FailRequestsAsync(string serviceName, double rate, int status = 500, CancellationToken cancellationToken = default)
    {
        using var client = app.CreateHttpClient(serviceName, "http");
        using var response = await client.PutAsJsonAsync("/_faults", new { errorRate = rate, errorStatus = status }, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Makes every request to the service wait <paramref name="latency"/> first (an in-process hang).</summary>
    public async Task DelayRequestsAsync(string serviceName, TimeSpan latency, CancellationToken cancellationToken = default)
    {
        using var client = app.CreateHttpClient(serviceName, "http");
        using var response = await client.PutAsJsonAsync("/_faults", new { latencyMilliseconds = (int)latency.TotalMilliseconds }, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async Task ClearFaultsAsync(string serviceName, CancellationToken cancellationToken = default)
    {
        using var client = app.CreateHttpClient(serviceName, "http");
        using var response = await client.DeleteAsync("/_faults", cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// The process that *is* the resource. A project runs under a <c>dotnet run</c> wrapper; killing the wrapper
    /// is not the service crashing, so this finds the service binary below it.
    /// </summary>
    public int ProcessOf(string resourceName)
    {
        var pid = GraphProcesses.ProcessIdOf(app, resourceName)
                  ?? throw new InvalidOperationException($"{resourceName} has no process id; is it running?");
        var resource = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resourceName);
        if (resource is not ProjectResource project)
        {
            return pid;
        }

        var assemblyName = Path.GetFileNameWithoutExtension(project.GetProjectMetadata().ProjectPath);
        foreach (var candidate in ProcessTree.Descendants(pid).Prepend(pid))
        {
            var commandLine = ProcessTree.CommandLine(candidate);
            if (commandLine.Contains(assemblyName, StringComparison.Ordinal) && !commandLine.Contains(" run ", StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"No process of {assemblyName} runs below {pid}.");
    }

    private async Task ExecuteCommandAsync(string resourceName, string command, CancellationToken cancellationToken)
    {
        var result = await app.ResourceCommands.ExecuteCommandAsync(resourceName, command, cancellationToken);
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

    private static async Task ResumeAfterAsync(int pid, TimeSpan duration)
    {
        try
        {
            await Task.Delay(duration);
        }
        finally
        {
            if (ProcessTree.IsAlive(pid))
            {
                Signals.Send(pid, Signals.Continue);
            }
        }
    }
}
