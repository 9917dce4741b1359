using Replication.Benchmarks.Graphs;
using Replication.Benchmarks.Memory;
using Replication.Benchmarks.Reporting;
using Replication.Benchmarks.Sections;
using Replication.Gateway;

namespace Replication.Benchmarks;

/// <summary>
/// Boots the graphs one after another and measures each section on them. The default graph (2 replicas, Async) carries
/// most sections; a Sync graph, graphs with other replica counts and a <c>dotnet run</c> follow. A section that fails
/// records its error and the run goes on.
/// </summary>
public sealed class BenchmarkRun(BenchmarkSettings settings)
{
    private const string DefaultReplicas = "--Postgres:Replicas=2";

    private CancellationToken stopping;

    public List<ResultTable> Tables { get; } = [];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        stopping = cancellationToken;
        var boot = BootSection.CreateTable();
        var lag = ReplicationLagSection.CreateTable(settings);
        var databaseFailover = DatabaseFailoverSection.CreateTable();
        var byClients = new List<ScalePoint>();
        var byReplicas = new List<ScalePoint>();
        DatabaseFailoverResult? asyncFailover = null;

        // In process and first, before any graph shares the machine.
        await SectionAsync(PipelineCostSection.Key, "Gateway pipeline", () => PipelineCostSection.RunAsync(settings, cancellationToken));

        string[] comparisonSections = [.. GatewayOverheadSection.Keys, "service-failover"];
        string[] defaultGraphSections = ["scale-clients", "memory", "soak", "replication-lag", "database-failover"];
        // The smoke run carries every section of the default graph on the comparison graph too: one boot fewer.
        await using var comparison = settings.Includes(comparisonSections) || (settings.Smoke && settings.Includes(defaultGraphSections))
            ? await BootAsync(boot, new ProxyComparisonGraph())
            : null;
        if (comparison is not null && settings.Includes(comparisonSections))
        {
            var graph = comparison;
            var direct = new OverheadTarget($"direct to {ResourceNames.PrimaryService}", null, graph.ServiceAddress(ResourceNames.PrimaryService), null);
            IReadOnlyList<string> paths = await EntryPoint.For(direct.Name, direct.Address).SeedUsersAsync(settings.Smoke ? 20 : 200, cancellationToken);
            var proxies = Proxy.All.ToDictionary(proxy => proxy, proxy => EntryPoint.For(proxy.Name, graph.ServiceAddress(proxy.Resource)));
            foreach (var entry in proxies.Values)
            {
                await entry.WaitUntilServedByAsync(ServiceFaultScenario.Primary, cancellationToken);
            }

            // HAProxy is the peer that fails over as operators configure it; its rows are left out where it is not installed.
            await using var haproxy = await StartHaproxyAsync(graph, cancellationToken);
            OverheadTarget[] targets =
            [
                direct,
                .. Proxy.All.Select(proxy => new OverheadTarget(proxy.Name, proxy.Telemetry, proxies[proxy].Address, proxy.Resource, proxy.IsGateway)),
                .. haproxy is null ? [] : new[] { new OverheadTarget(HaproxyPeer.Name, null, haproxy.Address, null, ProcessId: haproxy.ProcessId) },
            ];
            await SectionsAsync(GatewayOverheadSection.Keys, "Gateway overhead",
                () => GatewayOverheadSection.RunAsync(graph, targets, paths, settings, cancellationToken));
            EntryPoint[] failoverEntries =
            [
                new("our gateway", graph.Gateway),
                proxies[Proxy.Yarp],
                .. haproxy is null ? [] : new[] { EntryPoint.For(HaproxyPeer.Name, haproxy.Address) },
            ];
            await SectionAsync("service-failover", "Service failover under load",
                () => ServiceFailoverSection.RunAsync(graph, failoverEntries, settings, cancellationToken));
        }

        if (settings.Includes(defaultGraphSections))
        {
            await using var own = settings.Smoke && comparison is not null ? null : await BootAsync(boot, "2 replicas, Async (default)", DefaultReplicas);
            var graph = own ?? comparison!;
            var gateway = new EntryPoint("our gateway", graph.Gateway);
            IReadOnlyList<string> paths = await gateway.SeedUsersAsync(settings.Smoke ? 20 : 200, cancellationToken);

            await SectionAsync("scale-clients", "Scale: concurrent clients", async () =>
            {
                foreach (var clients in settings.ClientCounts)
                {
                    byClients.Add(await ScaleSection.MeasureAsync(graph, gateway, paths, 2, clients, settings, cancellationToken));
                }

                return ScaleSection.ByClients(byClients);
            });
            await SectionAsync("memory", "Memory", () => MemorySection.IdleAndLoadAsync(graph, settings, cancellationToken));
            await SectionAsync("soak", "Memory during a soak", () => MemorySection.SoakAsync(graph, settings, cancellationToken));
            await MeasureAsync(lag, () => ReplicationLagSection.MeasureAsync(lag, graph, "Async", settings, cancellationToken));
            await MeasureAsync(databaseFailover, async () => asyncFailover = await DatabaseFailoverSection.MeasureAsync(databaseFailover, graph, "Async", cancellationToken));
        }

        if (settings.MeasureSyncDurability && settings.Includes(lag.Section, databaseFailover.Section))
        {
            await using var sync = await BootAsync(boot, "2 replicas, Sync", DefaultReplicas, "--Postgres:Durability=Sync");
            await MeasureAsync(lag, () => ReplicationLagSection.MeasureAsync(lag, sync, "Sync", settings, cancellationToken));
            await MeasureAsync(databaseFailover, () => DatabaseFailoverSection.MeasureAsync(databaseFailover, sync, "Sync", cancellationToken));
        }

        AddIfIncluded(lag);
        AddIfIncluded(databaseFailover);

        await SectionAsync("scale-replicas", "Scale: replicas", async () =>
        {
            // The default graph's figures stand for 2 replicas: 8 clients from the client scale, the Async failover.
            if (byClients.FirstOrDefault(point => point.Clients == 8) is { } defaultGraph)
            {
                byReplicas.Add(defaultGraph with { DatabaseFailover = asyncFailover });
            }

            var failures = new List<string>();
            foreach (var replicas in settings.ExtraReplicaCounts)
            {
                try
                {
                    await using var graph = await BootAsync(boot, $"{replicas} replicas, Async", $"--Postgres:Replicas={replicas}");
                    var gateway = new EntryPoint("our gateway", graph.Gateway);
                    var paths = await gateway.SeedUsersAsync(50, cancellationToken);
                    var point = await ScaleSection.MeasureAsync(graph, gateway, paths, replicas, 8, settings, cancellationToken);
                    byReplicas.Add(replicas == 0 ? point : point with { DatabaseFailover = await DatabaseFailoverScenario.KillPrimaryUnderWritesAsync(graph, cancellationToken) });
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    Progress.Log($"{replicas} replicas failed: {exception}");
                    failures.Add($"{replicas} replicas: not measured, {exception.Message.Split('\n')[0]}");
                }
            }

            var table = ScaleSection.ByReplicas(byReplicas);
            table.Notes.AddRange(failures);
            return table;
        });

        if (settings.CompareRuntimes)
        {
            await SectionAsync("runtimes", "Process and container runtimes", () => RuntimeComparisonSection.RunAsync(settings, cancellationToken));
        }

        IReadOnlyList<MemoryGroup> standalone = [];
        if (settings.Includes(boot.Section))
        {
            await MeasureAsync(boot, async () => standalone = await BootSection.MeasureDotnetRunAsync(boot, cancellationToken));
        }

        if (standalone.Count > 0)
        {
            var appHost = standalone.First(group => group.Name == GraphMemory.AppHost);
            boot.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"The AppHost on its own (dotnet run, idle, dashboard on): {appHost.RssMegabytes:F0} MB RSS, {appHost.PssMegabytes:F0} MB PSS; the whole dotnet-run graph: {standalone.Sum(g => g.PssMegabytes):F0} MB PSS in {standalone.Sum(g => g.Processes)} processes."));
        }

        AddIfIncluded(boot);
    }

    private static async Task<HaproxyPeer?> StartHaproxyAsync(ConfiguredGraph graph, CancellationToken cancellationToken)
    {
        if (HaproxyPeer.Executable is null)
        {
            return null;
        }

        try
        {
            return await HaproxyPeer.StartAsync(graph.ServiceAddress(ResourceNames.PrimaryService), graph.ServiceAddress(ResourceNames.BackupService),
                new GatewayOptions().AttemptTimeout, cancellationToken);
        }
        catch (InvalidOperationException exception)
        {
            Progress.Log($"HAProxy left out: {exception.Message}");
            return null;
        }
    }

    private void AddIfIncluded(ResultTable table)
    {
        if (settings.Includes(table.Section))
        {
            Tables.Add(table);
        }
    }

    private static Task<ConfiguredGraph> BootAsync(ResultTable boot, string description, params string[] arguments) =>
        BootAsync(boot, new ConfiguredGraph(description, arguments));

    private static async Task<TGraph> BootAsync<TGraph>(ResultTable boot, TGraph graph) where TGraph : ConfiguredGraph
    {
        await ConfiguredGraph.StartAsync(graph);
        boot.Add($"test fixture (DistributedApplicationTestingBuilder): {graph.Description}", ResultTable.Seconds(graph.BootTime));
        return graph;
    }

    private async Task SectionAsync(string key, string title, Func<Task<ResultTable>> measure)
    {
        if (!settings.Includes(key))
        {
            return;
        }

        try
        {
            var table = await measure();
            Tables.Add(table);
            Console.Error.WriteLine(table.ToMarkdown());
        }
        catch (Exception exception) when (!stopping.IsCancellationRequested)
        {
            Progress.Log($"Section {title} failed: {exception}");
            Tables.Add(new ResultTable(key, title, "figure") { Error = exception.Message });
        }
    }

    /// <summary>A section that produces several tables, keyed as in the JSON output; on failure each records the error.</summary>
    private async Task SectionsAsync(IReadOnlyList<string> keys, string title, Func<Task<IReadOnlyList<ResultTable>>> measure)
    {
        if (!settings.Includes([.. keys]))
        {
            return;
        }

        try
        {
            foreach (var table in await measure())
            {
                Tables.Add(table);
                Console.Error.WriteLine(table.ToMarkdown());
            }
        }
        catch (Exception exception) when (!stopping.IsCancellationRequested)
        {
            Progress.Log($"Section {title} failed: {exception}");
            Tables.AddRange(keys.Select(key => new ResultTable(key, title, "figure") { Error = exception.Message }));
        }
    }

    private async Task MeasureAsync(ResultTable table, Func<Task> measure)
    {
        try
        {
            await measure();
        }
        catch (Exception exception) when (!stopping.IsCancellationRequested)
        {
            Progress.Log($"{table.Title} failed: {exception}");
            table.Error = exception.Message;
        }
    }
}
