using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Replication.Tests.Kit;

/// <summary>
/// Boots the whole graph (PostgreSQL replica set, both services, gateway) once, for every test of a
/// collection, and tears it down afterwards. Derive from it to boot a graph with other settings.
/// </summary>
public class GraphFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromMinutes(3);

    /// <summary>How long the graph may take to stop when the fixture is disposed.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan RepairTimeout = TimeSpan.FromSeconds(30);

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<GraphFixture>> BootsByCollection = new();

    private ResourceLogCollector? logs;

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>A client for the gateway, the graph's only external entry point.</summary>
    public HttpClient Gateway { get; private set; } = null!;

    public ReplicaSetProbe Database { get; private set; } = null!;

    public Faults Faults { get; private set; } = null!;

    /// <summary>From the builder's creation to every resource healthy (the last boot, after <see cref="RestartAsync"/>).</summary>
    public TimeSpan BootTime { get; private set; }

    /// <summary>Why this graph cannot boot on this machine (e.g. no container engine answers), or null when it boots.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>AppHost arguments (<c>--Key=value</c>) added to the defaults.</summary>
    protected virtual IEnumerable<string> Arguments => [];

    /// <summary>Whether the AppHost also runs the Aspire dashboard (the test host turns it off by default).</summary>
    protected virtual bool EnableDashboard => false;

    /// <summary>Changes the AppHost's model before it is built, e.g. to add resources that only a benchmark needs.</summary>
    protected virtual void Configure(IDistributedApplicationTestingBuilder builder)
    {
    }

    public IReadOnlyList<string> RecentLogs(string resourceName) => logs?.RecentLines(resourceName) ?? [];

    /// <summary>The graphs booted so far for the running test's xunit collection: one, if the collection shares its graph.</summary>
    public static IReadOnlyCollection<GraphFixture> BootedForCurrentCollection =>
        TestContext.Current.TestCollection is { } collection && BootsByCollection.TryGetValue(collection.UniqueID, out var boots) ? boots : [];

    public async ValueTask InitializeAsync()
    {
        SkipReason = await PrepareAsync();
        if (SkipReason is null)
        {
            await BootAsync();
        }

        // The previous collection's graph may still be stopping (GraphTeardowns): this graph's tests start after it.
        await GraphTeardowns.WaitUntilStoppedAsync();
    }

    /// <summary>Skips the calling test, with <see cref="SkipReason"/>, when the graph cannot boot here.</summary>
    public void SkipUnlessBooted() => Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");

    /// <summary>
    /// Stops the AppHost as Ctrl+C would (its resources stop; data volumes stay) and starts it again with the same
    /// arguments, until every resource is healthy: what a developer's restart does. A graph whose data lives only as long
    /// as the AppHost (the process runtime) comes back empty.
    /// </summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await BootAsync();
    }

    /// <summary>Runs before the graph boots, e.g. to build an image; returns why the graph cannot boot here, or null.</summary>
    protected virtual Task<string?> PrepareAsync() => Task.FromResult<string?>(null);

    /// <summary>Runs once the model is built, before anything starts.</summary>
    protected virtual Task BeforeStartAsync(DistributedApplication app) => Task.CompletedTask;

    private async Task BootAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        if (TestContext.Current.TestCollection is { } collection)
        {
            BootsByCollection.GetOrAdd(collection.UniqueID, _ => new()).Enqueue(this);
        }

        using var timeout = new CancellationTokenSource(StartupTimeout);
        // Port 0: the test graph must not collide with a developer's `dotnet run` on the default port. The runtime is
        // pinned, so a container engine on the machine does not change what a fixture tests; a fixture's own
        // Arguments come last and win.
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Replication_AppHost>(
            ["--Gateway:Port=0", "--Postgres:Runtime=Process", .. Arguments], (options, _) => options.DisableDashboard = !EnableDashboard, timeout.Token);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        Configure(builder);

        App = await builder.BuildAsync(timeout.Token);
        // An AppHost that refuses to start (a missing prerequisite) stops itself: no point waiting for health then.
        var stopped = App.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var startingOrStopped = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopped);
        try
        {
            await BeforeStartAsync(App);
            await App.StartAsync(startingOrStopped.Token);
            // After the start, when Aspire has named each resource's instances; earlier lines come from the backlog.
            logs = ResourceLogCollector.Start(App, GetType().Name);
            await WaitUntilEveryResourceIsHealthyAsync(startingOrStopped.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or TimeoutException or DistributedApplicationException)
        {
            var report = DescribeUnhealthyResources();
            var why = stopped.IsCancellationRequested ? "The AppHost stopped while the graph was starting" : $"The graph did not become healthy within {StartupTimeout}";
            await StopAsync();
            throw new InvalidOperationException($"{why}: {exception.Message}\n{report}", exception);
        }

        Gateway = App.CreateHttpClient(ResourceNames.Gateway, "http");
        Database = new ReplicaSetProbe(App);
        Faults = new Faults(App);
        BootTime = stopwatch.Elapsed;
    }

    /// <summary>
    /// Stops the graph and removes what it leaves behind; while <see cref="GraphTeardowns"/> is an assembly fixture, it
    /// returns at once and the stop finishes while the next collection's graph boots.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (GraphTeardowns.Enabled)
        {
            GraphTeardowns.Add(StopAndCleanUpAsync());
            return;
        }

        await StopAndCleanUpAsync();
    }

    /// <summary>What disposing the fixture does: stop the graph, then remove what outlives it (e.g. data volumes).</summary>
    protected virtual Task StopAndCleanUpAsync() => StopAsync();

    /// <summary>Stops the AppHost as Ctrl+C would and returns once its resources have stopped.</summary>
    public async Task StopAsync()
    {
        Gateway?.Dispose();
        Gateway = null!;
        try
        {
            if (App is not null)
            {
                await App.DisposeAsync().AsTask().WaitAsync(ShutdownTimeout);
                App = null!;
            }
        }
        finally
        {
            if (logs is not null)
            {
                await logs.DisposeAsync();
                logs = null;
            }
        }
    }

    /// <summary>
    /// Waits until the gateway serves a read from <paramref name="service"/> again, e.g. after a scenario repaired
    /// it and its circuit has to close.
    /// </summary>
    public Task WaitUntilServedByAsync(string service, CancellationToken cancellationToken = default) =>
        Poll.UntilOrThrowAsync(async token =>
        {
            using var response = await Gateway.GetAsync("/users?limit=1", token);
            return response.IsSuccessStatusCode && response.Header(ReplicationHeaders.ServedBy) == service;
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), $"the gateway to serve from {service}", cancellationToken);

    /// <summary>
    /// Undoes whatever service fault a scenario left behind, even one that failed half-way: both services running, no
    /// request fault in force, no process frozen, and both circuits closed. Tests of a collection that breaks services
    /// call it before each test (xunit's <c>IAsyncLifetime.InitializeAsync</c>), so no test inherits another's fault.
    /// </summary>
    public async Task RestoreServicesAsync(CancellationToken cancellationToken = default)
    {
        foreach (var service in (string[])[ResourceNames.PrimaryService, ResourceNames.BackupService])
        {
            if (!IsRunning(service))
            {
                await Faults.StartAsync(service, cancellationToken);
            }

            await Faults.ClearFaultsAsync(service, cancellationToken);
        }

        await WaitUntilBothServicesServeAsync(cancellationToken);
        await Poll.UntilOrThrowAsync(async token => (await Gateway.GetGatewayStatusAsync(token)).Circuits.Values.All(state => state == "Closed"),
            RepairTimeout, TimeSpan.FromMilliseconds(100), "both of the gateway's circuits to close", cancellationToken);
    }

    /// <summary>Whether the resource is Running now (a killed or stopped one is not; a frozen one is).</summary>
    public bool IsRunning(string resourceName) => App.IsRunning(resourceName);

    /// <summary>
    /// Brings the gateway back to a clean state after a scenario: both services healthy and both circuits closed.
    /// A circuit opened by an earlier fault stays open until a request probes it, so this makes the gateway send to
    /// the backup (by failing the primary for a moment) and then to the primary again.
    /// </summary>
    public async Task WaitUntilBothServicesServeAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await Faults.FailRequestsAsync(ResourceNames.PrimaryService, rate: 1, status: 503, cancellationToken);
            await WaitUntilServedByAsync(ResourceNames.BackupService, cancellationToken);
        }
        finally
        {
            await Faults.ClearFaultsAsync(ResourceNames.PrimaryService, cancellationToken);
        }

        await WaitUntilServedByAsync(ResourceNames.PrimaryService, cancellationToken);
    }

    /// <summary>Waits for every resource that has health checks (nodes, database, services, gateway).</summary>
    private async Task WaitUntilEveryResourceIsHealthyAsync(CancellationToken cancellationToken)
    {
        var checkedResources = App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Where(resource => resource.Annotations.OfType<HealthCheckAnnotation>().Any());
        await Task.WhenAll(checkedResources.Select(resource =>
            App.ResourceNotifications.WaitForResourceHealthyAsync(resource.Name, cancellationToken)));
    }

    private string DescribeUnhealthyResources()
    {
        var report = new StringBuilder();
        foreach (var resource in App.Services.GetRequiredService<DistributedApplicationModel>().Resources)
        {
            if (!App.ResourceNotifications.TryGetCurrentState(resource.Name, out var state))
            {
                continue;
            }

            var snapshot = state.Snapshot;
            var checkedForHealth = resource.Annotations.OfType<HealthCheckAnnotation>().Any();
            if (checkedForHealth && snapshot.HealthStatus == HealthStatus.Healthy)
            {
                continue;
            }

            report.AppendLine($"- {resource.Name}: state {snapshot.State?.Text ?? "unknown"}, health {snapshot.HealthStatus?.ToString() ?? "n/a"}, exit code {snapshot.ExitCode?.ToString() ?? "n/a"}");
            foreach (var healthReport in snapshot.HealthReports.Where(r => r.Status != HealthStatus.Healthy))
            {
                report.AppendLine($"    health check {healthReport.Name}: {healthReport.Description} {healthReport.ExceptionText}");
            }

            foreach (var line in RecentLogs(resource.Name).TakeLast(15))
            {
                report.AppendLine($"    | {line}");
            }
        }

        return report.ToString();
    }
}
