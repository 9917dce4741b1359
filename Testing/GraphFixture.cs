using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Replication.Testing;

/// <summary>
/// An Aspire app booted for tests, with everything the kit breaks and checks it with: its replica set
/// (<see cref="Database"/>), its resources' faults (<see cref="Faults"/>), and the workload its user supplies
/// (<see cref="Workload"/>). Boot it once per group of tests (<see cref="InitializeAsync"/>) and dispose it after; the
/// kit's nemeses, repairs and histories work on any <see cref="Graph"/>.
/// </summary>
public abstract class Graph : IAsyncDisposable
{
    /// <summary>How long the app may take to boot, every resource healthy.</summary>
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromMinutes(3);

    /// <summary>How long the app may take to stop.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromMinutes(2);

    private ResourceLogCollector? logs;
    private CancellationTokenSource? watching;

    /// <summary>The running app; null before the boot and after the stop.</summary>
    public DistributedApplication App { get; private set; } = null!;

    /// <summary>The app's replica set, node by node.</summary>
    public ReplicaSetProbe Database { get; private set; } = null!;

    /// <summary>Crashes, freezes, stops and starts of the app's resources.</summary>
    public Faults Faults { get; private set; } = null!;

    /// <summary>From the builder's creation to every resource healthy (the last boot).</summary>
    public TimeSpan BootTime { get; private set; }

    /// <summary>The last boot, resource by resource.</summary>
    public BootTimeline? Timeline { get; private set; }

    /// <summary>Why this graph cannot boot on this machine (e.g. no container engine answers), or null when it boots.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>The app's own reads and writes, for the load probe and the histories; the app's graph supplies it.</summary>
    public virtual HttpWorkload Workload =>
        throw new InvalidOperationException($"{GetType().Name} has no workload: override Workload with the app's reads and writes (an HttpWorkload).");

    /// <summary>AppHost arguments (<c>--Key=value</c>).</summary>
    protected virtual IEnumerable<string> Arguments => [];

    /// <summary>Whether the AppHost also runs the Aspire dashboard (the test host turns it off by default).</summary>
    protected virtual bool EnableDashboard => false;

    /// <summary>The last lines a resource logged.</summary>
    public IReadOnlyList<string> RecentLogs(string resourceName) => logs?.RecentLines(resourceName) ?? [];

    /// <summary>Boots the app, unless <see cref="PrepareAsync"/> says it cannot boot here (then <see cref="SkipReason"/> says why).</summary>
    public virtual async ValueTask InitializeAsync()
    {
        SkipReason = await PrepareAsync().ConfigureAwait(false);
        if (SkipReason is null)
        {
            await BootAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops the app as Ctrl+C would (its resources stop; data volumes stay) and boots it again with the same arguments:
    /// what a developer's restart does. A graph whose data lives only as long as the AppHost comes back empty.
    /// </summary>
    public async Task RestartAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await BootAsync().ConfigureAwait(false);
    }

    /// <summary>Whether the resource is Running now (a killed or stopped one is not; a frozen one is).</summary>
    public bool IsRunning(string resourceName) => App.IsRunning(resourceName);

    /// <summary>
    /// Brings the app back after faults, once its replica set is whole (<see cref="GraphRepair"/>): by default, every
    /// project that is not running is started again. Override it to wait for what the app needs (e.g. circuits closed).
    /// </summary>
    public virtual async Task RestoreAppAsync(Action<string>? log, CancellationToken cancellationToken)
    {
        foreach (var project in App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ProjectResource>().Where(project => !IsRunning(project.Name)))
        {
            log?.Invoke($"repair: starting {project.Name}");
            await Faults.StartAsync(project.Name, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the app and removes what outlives it (<see cref="StopWhenDisposedAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopWhenDisposedAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>What disposing does: by default <see cref="StopAndCleanUpAsync"/>, before it returns.</summary>
    protected virtual async ValueTask StopWhenDisposedAsync() => await StopAndCleanUpAsync().ConfigureAwait(false);

    /// <summary>What disposing does: stop the app, then remove what outlives it (e.g. data volumes).</summary>
    public virtual Task StopAndCleanUpAsync() => StopAsync();

    /// <summary>Stops the app as Ctrl+C would and returns once its resources have stopped.</summary>
    public async Task StopAsync()
    {
        try
        {
            if (App is not null)
            {
                await App.DisposeAsync().AsTask().WaitAsync(ShutdownTimeout).ConfigureAwait(false);
                App = null!;
            }
        }
        finally
        {
            if (watching is not null)
            {
                await watching.CancelAsync().ConfigureAwait(false);
                watching.Dispose();
                watching = null;
            }

            if (logs is not null)
            {
                await logs.DisposeAsync().ConfigureAwait(false);
                logs = null;
            }
        }
    }

    /// <summary>Runs before the app boots, e.g. to build an image; returns why the app cannot boot here, or null.</summary>
    protected virtual Task<string?> PrepareAsync() => Task.FromResult<string?>(null);

    /// <summary>Creates the app's testing builder (<c>DistributedApplicationTestingBuilder.CreateAsync&lt;TAppHost&gt;</c>).</summary>
    protected abstract Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(string[] arguments, bool enableDashboard, CancellationToken cancellationToken);

    /// <summary>Changes the model before it is built, e.g. to add resources that only a benchmark needs.</summary>
    protected virtual void Configure(IDistributedApplicationTestingBuilder builder)
    {
    }

    /// <summary>Runs once the model is built, before anything starts.</summary>
    protected virtual Task BeforeStartAsync(DistributedApplication app) => Task.CompletedTask;

    /// <summary>Runs once every resource is healthy, e.g. to create the app's clients.</summary>
    protected virtual Task AfterBootAsync(DistributedApplication app) => Task.CompletedTask;

    private async Task BootAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        var origin = DateTime.UtcNow;
        using var timeout = new CancellationTokenSource(StartupTimeout);
        var builder = await CreateBuilderAsync([.. Arguments], EnableDashboard, timeout.Token).ConfigureAwait(false);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        Configure(builder);

        App = await builder.BuildAsync(timeout.Token).ConfigureAwait(false);
        // An AppHost that refuses to start (a missing prerequisite) stops itself: no point waiting for health then.
        var stopped = App.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var startingOrStopped = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopped);
        watching = new CancellationTokenSource();
        Timeline = BootTimeline.Watch(App.Services.GetRequiredService<DistributedApplicationModel>(), App.ResourceNotifications, origin, watching.Token);
        try
        {
            await BeforeStartAsync(App).ConfigureAwait(false);
            await App.StartAsync(startingOrStopped.Token).ConfigureAwait(false);
            // After the start, when Aspire has named each resource's instances; earlier lines come from the backlog.
            logs = ResourceLogCollector.Start(App, GetType().Name);
            await WaitUntilEveryResourceIsHealthyAsync(startingOrStopped.Token).ConfigureAwait(false);
            logs.Keep("boot-timeline.txt", string.Create(CultureInfo.InvariantCulture, $"{GetType().Name} healthy {stopwatch.Elapsed.TotalSeconds:F2} s after its builder was created:\n{Timeline.Table()}"));
        }
        catch (Exception exception) when (exception is OperationCanceledException or TimeoutException or DistributedApplicationException)
        {
            // A start that never returned left no collector: one now still gets each resource's output from the backlog.
            if (logs is null)
            {
                logs = ResourceLogCollector.Start(App, GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false);
            }

            var report = DescribeUnhealthyResources();
            logs.Keep("boot-timeline.txt", report);
            var why = stopped.IsCancellationRequested ? "The AppHost stopped while the graph was starting" : $"The graph did not become healthy within {StartupTimeout}";
            await StopAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"{why}: {exception.Message}\n{report}", exception);
        }

        Database = new ReplicaSetProbe(App);
        Faults = new Faults(App);
        BootTime = stopwatch.Elapsed;
        await AfterBootAsync(App).ConfigureAwait(false);
    }

    /// <summary>Waits for every resource that has health checks.</summary>
    private async Task WaitUntilEveryResourceIsHealthyAsync(CancellationToken cancellationToken)
    {
        var checkedResources = App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Where(resource => resource.Annotations.OfType<HealthCheckAnnotation>().Any());
        await Task.WhenAll(checkedResources.Select(resource =>
            App.ResourceNotifications.WaitForResourceHealthyAsync(resource.Name, cancellationToken))).ConfigureAwait(false);
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

            report.AppendLine(CultureInfo.InvariantCulture, $"- {resource.Name}: state {snapshot.State?.Text ?? "unknown"}, health {snapshot.HealthStatus?.ToString() ?? "n/a"}, exit code {snapshot.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "n/a"}");
            foreach (var healthReport in snapshot.HealthReports.Where(r => r.Status != HealthStatus.Healthy))
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"    health check {healthReport.Name}: {healthReport.Description} {healthReport.ExceptionText}");
            }

            foreach (var line in RecentLogs(resource.Name).TakeLast(15))
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"    | {line}");
            }
        }

        if (Timeline is not null)
        {
            report.AppendLine("The boot so far:").Append(Timeline.Table());
        }

        return report.ToString();
    }
}

/// <summary>
/// A <see cref="Graph"/> of the AppHost <typeparamref name="TAppHost"/> (its <c>Projects.*</c> type). Derive one per set
/// of AppHost arguments, and supply the app's workload.
/// </summary>
/// <typeparam name="TAppHost">The AppHost project's <c>Projects.*</c> type.</typeparam>
public class GraphFixture<TAppHost> : Graph
    where TAppHost : class
{
    /// <inheritdoc />
    protected override async Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(string[] arguments, bool enableDashboard, CancellationToken cancellationToken) =>
        await DistributedApplicationTestingBuilder.CreateAsync<TAppHost>(arguments, (options, _) => options.DisableDashboard = !enableDashboard, cancellationToken)
            .ConfigureAwait(false);
}
