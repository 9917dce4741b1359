using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Replication.Contracts;
using Replication.Processes;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Breaks a resource of the graph on purpose: the one implementation behind the services' dashboard commands and the
/// testing kit's <c>Faults</c>. Every fault returns only once it has taken effect: a killed process is gone and its
/// resource no longer Running, a hung process is stopped, a failure rate is in force. The faults in force show on the
/// resource as the <see cref="HangProperty"/> and <see cref="RequestFaultsProperty"/> properties.
/// </summary>
public sealed class ServiceFaultInjector(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ResourceLoggerService resourceLogs,
    IHttpClientFactory httpClients,
    IHostApplicationLifetime lifetime)
{
    /// <summary>Dashboard property of a frozen (SIGSTOPped) process: until when; absent otherwise.</summary>
    public const string HangProperty = "faults.hang";

    /// <summary>Dashboard property of a service that fails or delays requests on purpose: how; absent otherwise.</summary>
    public const string RequestFaultsProperty = "faults.requests";

    private static readonly TimeSpan EffectTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan HookTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, ActiveFaults> active = new();

    /// <summary>SIGKILLs the resource's own process: the service binary (not its <c>dotnet run</c> wrapper), or the postmaster.</summary>
    /// <param name="resourceName">The resource, e.g. <c>primaryservice</c> or <c>pg-0</c>.</param>
    /// <param name="cancellationToken">Stops waiting for the effect.</param>
    /// <returns>Once the process is gone and the resource is no longer Running.</returns>
    public async Task KillAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        var pid = ProcessOf(resourceName);
        Signals.Send(pid, Signal.Kill);
        resourceLogs.GetLogger(resourceName).LogWarning("Fault injected: SIGKILL to process {Pid}", pid);
        await WaitUntilAsync(() => !ProcessTree.IsAlive(pid), $"process {pid} of {resourceName} to exit", cancellationToken);
        await notifications.WaitForResourceAsync(resourceName,
                resourceEvent => resourceEvent.Snapshot.State?.Text is { } state && state != KnownResourceStates.Running && state != KnownResourceStates.Starting,
                cancellationToken)
            .WaitAsync(EffectTimeout, cancellationToken);
        // The next process starts without any of the dead one's faults.
        await PublishAsync(resourceName, _ => ActiveFaults.None);
    }

    /// <summary>
    /// Freezes the resource's process (SIGSTOP) for <paramref name="duration"/>, then resumes it (SIGCONT); it is also
    /// resumed by <see cref="ClearFaultsAsync"/> and when the AppHost stops. Returns once the process is stopped; the
    /// returned task completes when it runs again.
    /// </summary>
    /// <param name="resourceName">The resource, e.g. <c>primaryservice</c> or <c>pg-0</c>.</param>
    /// <param name="duration">How long the process stays frozen.</param>
    /// <param name="cancellationToken">Stops waiting for the process to stop.</param>
    /// <returns>Once the process is stopped: a task that completes when it runs again.</returns>
    public async Task<Task> HangAsync(string resourceName, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var pid = ProcessOf(resourceName);
        var resumeSource = new CancellationTokenSource();
        var until = DateTimeOffset.Now + duration;
        Signals.Send(pid, Signal.Stop);
        resourceLogs.GetLogger(resourceName).LogWarning("Fault injected: SIGSTOP to process {Pid} until {Until:HH:mm:ss}", pid, until);
        await PublishAsync(resourceName, faults => faults with { Hang = new Hang(pid, until, resumeSource) });
        await WaitUntilAsync(() => ProcessTree.StateOf(pid) == 'T', $"process {pid} of {resourceName} to stop", cancellationToken);
        return ResumeAfterAsync(resourceName, pid, duration, resumeSource);
    }

    /// <summary>Makes <paramref name="rate"/> (0..1) of the service's requests answer <paramref name="status"/>, via its Polly chaos hook.</summary>
    /// <param name="serviceName">The service.</param>
    /// <param name="rate">The share of requests that fail, 0 to 1.</param>
    /// <param name="status">The status they get.</param>
    /// <param name="cancellationToken">Cancels the call to the hook.</param>
    /// <returns>Once the service has taken the setting.</returns>
    public async Task FailRequestsAsync(string serviceName, double rate, int status = 500, CancellationToken cancellationToken = default)
    {
        await SendToHookAsync(serviceName, HttpMethod.Put, new FaultHookRequest(ErrorRate: rate, ErrorStatus: status), cancellationToken);
        await PublishAsync(serviceName, faults => faults with
        {
            Requests = string.Create(CultureInfo.InvariantCulture, $"{rate:P0} of requests answer {status}"),
        });
    }

    /// <summary>Makes every request to the service wait <paramref name="latency"/> first (an in-process hang).</summary>
    /// <param name="serviceName">The service.</param>
    /// <param name="latency">How long each request waits.</param>
    /// <param name="cancellationToken">Cancels the call to the hook.</param>
    /// <returns>Once the service has taken the setting.</returns>
    public async Task DelayRequestsAsync(string serviceName, TimeSpan latency, CancellationToken cancellationToken = default)
    {
        await SendToHookAsync(serviceName, HttpMethod.Put, new FaultHookRequest(LatencyMilliseconds: (int)latency.TotalMilliseconds), cancellationToken);
        await PublishAsync(serviceName, faults => faults with
        {
            Requests = string.Create(CultureInfo.InvariantCulture, $"every request waits {latency.TotalMilliseconds:0} ms"),
        });
    }

    /// <summary>Resumes a hung process, then clears the service's failure rate and latency.</summary>
    /// <param name="serviceName">The service.</param>
    /// <param name="cancellationToken">Cancels the call to the hook.</param>
    /// <returns>Once the service runs without injected faults.</returns>
    public async Task ClearFaultsAsync(string serviceName, CancellationToken cancellationToken = default)
    {
        if (active.TryGetValue(serviceName, out var faults) && faults.Hang is { } hang)
        {
            await hang.Resume.CancelAsync();
        }

        await SendToHookAsync(serviceName, HttpMethod.Delete, null, cancellationToken);
        await PublishAsync(serviceName, faults => faults with { Requests = null });
    }

    /// <summary>
    /// The process that *is* the resource. A project runs under a <c>dotnet run</c> wrapper; killing the wrapper
    /// is not the service crashing, so this finds the service binary below it.
    /// </summary>
    /// <param name="resourceName">The resource.</param>
    /// <returns>The process id.</returns>
    /// <exception cref="InvalidOperationException">The resource has no running process.</exception>
    public int ProcessOf(string resourceName)
    {
        var resource = model.Resources.Single(r => r.Name == resourceName);
        var pid = ProcessIdOf(resourceName) ?? throw new InvalidOperationException($"{resourceName} has no process id; is it running?");
        if (resource is not ProjectResource project)
        {
            return pid;
        }

        var assemblyName = Path.GetFileNameWithoutExtension(project.GetProjectMetadata().ProjectPath);
        return ProcessTree.ProgramBelow(pid, assemblyName)
            ?? throw new InvalidOperationException($"No process of {assemblyName} runs below {pid}.");
    }

    /// <summary>The process Aspire started for a resource (for a project, the <c>dotnet run</c> wrapper).</summary>
    /// <param name="resourceName">The resource.</param>
    /// <returns>The process id, or null when none runs.</returns>
    public int? ProcessIdOf(string resourceName) => notifications.ProcessIdOf(resourceName);

    private async Task SendToHookAsync(string serviceName, HttpMethod method, FaultHookRequest? body, CancellationToken cancellationToken)
    {
        var service = model.Resources.OfType<IResourceWithEndpoints>().Single(r => r.Name == serviceName);
        using var request = new HttpRequestMessage(method, new Uri(new Uri(service.GetEndpoint("http").Url), ServicePaths.FaultHook))
        {
            Content = body is null ? null : JsonContent.Create(body, options: ContractJson.Options),
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HookTimeout);
        using var client = httpClients.CreateClient(nameof(ServiceFaultInjector));
        using var response = await client.SendAsync(request, timeout.Token);
        response.EnsureSuccessStatusCode();
    }

    private async Task ResumeAfterAsync(string resourceName, int pid, TimeSpan duration, CancellationTokenSource resumeSource)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(resumeSource.Token, lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(duration, stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // Cleared early, or the AppHost is stopping: a frozen process could not even shut down.
        }
        finally
        {
            if (ProcessTree.IsAlive(pid))
            {
                Signals.Send(pid, Signal.Continue);
                resourceLogs.GetLogger(resourceName).LogWarning("Fault cleared: SIGCONT to process {Pid}", pid);
            }

            await PublishAsync(resourceName, faults => faults.Hang?.Pid == pid ? faults with { Hang = null } : faults);
            resumeSource.Dispose();
        }
    }

    private async Task PublishAsync(string resourceName, Func<ActiveFaults, ActiveFaults> change)
    {
        var faults = active.AddOrUpdate(resourceName, _ => change(ActiveFaults.None), (_, current) => change(current));
        var resource = model.Resources.Single(r => r.Name == resourceName);
        await notifications.PublishUpdateAsync(resource, snapshot => snapshot with
        {
            Properties = snapshot.Properties
                .With(HangProperty, faults.Hang is { } hang ? string.Create(CultureInfo.InvariantCulture, $"SIGSTOP until {hang.Until:HH:mm:ss}") : null)
                .With(RequestFaultsProperty, faults.Requests),
        });
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + EffectTimeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {EffectTimeout} waiting for {what}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    private sealed record Hang(int Pid, DateTimeOffset Until, CancellationTokenSource Resume);

    private sealed record ActiveFaults(Hang? Hang, string? Requests)
    {
        public static readonly ActiveFaults None = new(null, null);
    }
}
