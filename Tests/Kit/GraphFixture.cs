using System.Collections.Concurrent;

namespace Replication.Tests.Kit;

/// <summary>
/// This repository's graph (PostgreSQL replica set, both users services, gateway), booted once for every test of a
/// collection by the kit (<see cref="GraphFixture{TAppHost}"/>), with what the users app adds: a client of the gateway,
/// the users workload, and the services' request faults. Derive from it to boot a graph with other settings
/// (<see cref="GraphArguments"/>).
/// </summary>
public class GraphFixture : GraphFixture<Projects.Replication_AppHost>, IAsyncLifetime
{
    private static readonly TimeSpan RepairTimeout = TimeSpan.FromSeconds(30);

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<GraphFixture>> BootsByCollection = new();

    private UsersWorkload? workload;

    /// <summary>A client for the gateway, the graph's only external entry point.</summary>
    public HttpClient Gateway { get; private set; } = null!;

    /// <summary>The users API's reads and writes through the gateway, for the load probe and the histories.</summary>
    public override HttpWorkload Workload => workload ?? throw new InvalidOperationException("The graph has not booted.");

    /// <summary>Request faults of the users services (fail or delay a share of their requests).</summary>
    public RequestFaultInjector ServiceFaults => App.Services.GetRequiredService<RequestFaultInjector>();

    /// <summary>The graphs booted so far for the running test's xunit collection: one, if the collection shares its graph.</summary>
    public static IReadOnlyCollection<GraphFixture> BootedForCurrentCollection =>
        TestContext.Current.TestCollection is { } collection && BootsByCollection.TryGetValue(collection.UniqueID, out var boots) ? boots : [];

    /// <summary>
    /// Port 0: the test graph must not collide with a developer's `dotnet run` on the default port. The runtime is pinned,
    /// so a container engine on the machine does not change what a fixture tests; a fixture's own arguments come last and win.
    /// </summary>
    protected sealed override IEnumerable<string> Arguments => ["--Gateway:Port=0", "--Postgres:Runtime=Process", .. GraphArguments];

    /// <summary>AppHost arguments (<c>--Key=value</c>) of a derived graph, after the defaults.</summary>
    protected virtual IEnumerable<string> GraphArguments => [];

    public override async ValueTask InitializeAsync()
    {
        if (TestContext.Current.TestCollection is { } collection)
        {
            BootsByCollection.GetOrAdd(collection.UniqueID, _ => new()).Enqueue(this);
        }

        await base.InitializeAsync();
        // The previous collection's graph may still be stopping (GraphTeardowns): this graph's tests start after it.
        await GraphTeardowns.WaitUntilStoppedAsync();
    }

    /// <summary>Skips the calling test, with <see cref="Graph.SkipReason"/>, when the graph cannot boot here.</summary>
    public void SkipUnlessBooted() => Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");

    /// <summary>
    /// Stops the graph and removes what it leaves behind; while <see cref="GraphTeardowns"/> is an assembly fixture, it
    /// returns at once and the stop finishes while the next collection's graph boots.
    /// </summary>
    protected override async ValueTask StopWhenDisposedAsync()
    {
        if (GraphTeardowns.Enabled)
        {
            GraphTeardowns.Add(StopAndCleanUpAsync());
            return;
        }

        await StopAndCleanUpAsync();
    }

    public override async Task StopAndCleanUpAsync()
    {
        Gateway?.Dispose();
        await base.StopAndCleanUpAsync();
    }

    public override async Task RestoreAppAsync(Action<string>? log, CancellationToken cancellationToken)
    {
        log?.Invoke("repair: services, request faults and circuits");
        await RestoreServicesAsync(cancellationToken);
    }

    protected override Task AfterBootAsync(DistributedApplication app)
    {
        Gateway?.Dispose();
        Gateway = app.CreateHttpClient(ResourceNames.Gateway, "http");
        workload = new UsersWorkload(Gateway, () => Database);
        return Task.CompletedTask;
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
            else if (App.SnapshotOf(service).PropertyValue(ResourceFaultCommands.FrozenProperty) is not null)
            {
                await App.ResourceCommands.ExecuteCommandAsync(service, ResourceFaultCommands.Resume, cancellationToken);
            }

            await ServiceFaults.ClearAsync(service, cancellationToken);
        }

        await WaitUntilBothServicesServeAsync(cancellationToken);
        await Poll.UntilOrThrowAsync(async token => (await Gateway.GetGatewayStatusAsync(token)).Circuits.Values.All(state => state == "Closed"),
            RepairTimeout, TimeSpan.FromMilliseconds(100), "both of the gateway's circuits to close", cancellationToken);
    }

    /// <summary>
    /// Brings the gateway back to a clean state after a scenario: both services healthy and both circuits closed.
    /// A circuit opened by an earlier fault stays open until a request probes it, so this makes the gateway send to
    /// the backup (by failing the primary for a moment) and then to the primary again.
    /// </summary>
    public async Task WaitUntilBothServicesServeAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await ServiceFaults.FailRequestsAsync(ResourceNames.PrimaryService, rate: 1, status: 503, cancellationToken);
            await WaitUntilServedByAsync(ResourceNames.BackupService, cancellationToken);
        }
        finally
        {
            await ServiceFaults.ClearAsync(ResourceNames.PrimaryService, cancellationToken);
        }

        await WaitUntilServedByAsync(ResourceNames.PrimaryService, cancellationToken);
    }
}
