using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Replication.Benchmarks.Reporting;
using Replication.Gateway;

namespace Replication.Benchmarks.Sections;

/// <summary>
/// What the gateway's forwarding pipeline costs per request on its own: the gateway's own client registration
/// (<see cref="GatewayExtensions.AddServiceForwarding"/>: hedging, each service's circuit breaker and attempt timeout,
/// service discovery, attempt timing) with an in-memory service in place of the socket handler, so no socket, service
/// or load generator shares the measurement. YARP's forwarder sends straight to its socket handler, so this is the
/// work the gateway does per request that YARP does not; the closed-loop sections measure the whole path.
/// </summary>
public static class PipelineCostSection
{
    public const string Key = "gateway-pipeline";

    private const int Concurrency = 32;
    private const string DiscoveryOnly = "discovery-only";
    private const string StandardHedging = "standard-hedging";

    public static async Task<ResultTable> RunAsync(BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        Progress.Log("Gateway pipeline: cost per request in process");
        using var host = BuildHost();
        var handlers = host.Services.GetRequiredService<IHttpMessageHandlerFactory>();
        (string Name, HttpMessageInvoker Invoker)[] chains =
        [
            ("in-memory service alone (what YARP's forwarder sends through)", new HttpMessageInvoker(new InMemoryService())),
            ("service discovery, then the service", new HttpMessageInvoker(handlers.CreateHandler(DiscoveryOnly))),
            ("the library's standard hedging handler (AddStandardHedgingHandler)", new HttpMessageInvoker(handlers.CreateHandler(StandardHedging))),
            ("the gateway's forwarding pipeline", new HttpMessageInvoker(handlers.CreateHandler(ServiceForwarder.ClientName))),
        ];

        var requestsPerWorker = settings.Smoke ? 200 : 10_000;
        var samples = chains.ToDictionary(chain => chain.Name, _ => new List<Cost>());
        for (var round = 0; round < settings.OverheadRounds; round++)
        {
            foreach (var (name, invoker) in chains)
            {
                await MeasureAsync(invoker, requestsPerWorker / 10, cancellationToken);
                samples[name].Add(await MeasureAsync(invoker, requestsPerWorker, cancellationToken));
            }
        }

        var alone = Median(samples[chains[0].Name]);
        var table = new ResultTable(Key, $"Gateway pipeline: cost per request in process ({Concurrency} concurrent requests, medians of {settings.OverheadRounds} rounds)",
            "handler chain", "CPU µs/req", "CPU µs/req − service alone", "allocated B/req", "allocated B/req − service alone");
        foreach (var (name, invoker) in chains)
        {
            var cost = Median(samples[name]);
            table.Add(name, cost.CpuMicroseconds, cost.CpuMicroseconds - alone.CpuMicroseconds,
                (long)Math.Round(cost.AllocatedBytes), (long)Math.Round(cost.AllocatedBytes - alone.AllocatedBytes));
            invoker.Dispose();
        }

        table.Notes.Add(string.Create(CultureInfo.InvariantCulture, $"Each row: {Concurrency} concurrent loops of {requestsPerWorker:N0} GET requests (after {requestsPerWorker / 10:N0} not counted), each a new HttpRequestMessage as YARP's forwarder makes one; the in-memory service yields once (as a socket completes asynchronously) and answers 200."));
        table.Notes.Add("CPU µs/req: the benchmark process's CPU time over the loops divided by their requests, so it includes the thread pool's scheduling; allocated: GC.GetTotalAllocatedBytes. \"− service alone\": over the first row.");
        table.Notes.Add("The gateway's row is its own registration (AddServiceDefaults + AddServiceForwarding), with only the socket handler replaced; the host is not started, so no OpenTelemetry listener records anything. The standard hedging row is the handler the gateway used before its own pipeline, on the same service discovery.");
        return table;
    }

    private static IHost BuildHost()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"services:{ResourceNames.PrimaryService}:http:0"] = "http://127.0.0.1:1",
            [$"services:{ResourceNames.BackupService}:http:0"] = "http://127.0.0.1:2",
        });
        builder.AddServiceDefaults();
        builder.AddServiceForwarding();
        builder.Services.AddHttpClient(ServiceForwarder.ClientName).ConfigurePrimaryHttpMessageHandler(() => new InMemoryService());

#pragma warning disable EXTEXP0001 // The documented way to drop the pipeline ConfigureHttpClientDefaults adds.
        builder.Services.AddHttpClient(DiscoveryOnly).RemoveAllResilienceHandlers()
            .ConfigurePrimaryHttpMessageHandler(() => new InMemoryService());
        builder.Services.AddHttpClient(StandardHedging).RemoveAllResilienceHandlers()
            .ConfigurePrimaryHttpMessageHandler(() => new InMemoryService())
            .AddStandardHedgingHandler();
#pragma warning restore EXTEXP0001
        return builder.Build();
    }

    private static async Task<Cost> MeasureAsync(HttpMessageInvoker invoker, int requestsPerWorker, CancellationToken cancellationToken)
    {
        var address = new Uri($"http://{ResourceNames.PrimaryService}/users/1");
        async Task LoopAsync()
        {
            for (var i = 0; i < requestsPerWorker; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, address);
                using var response = await invoker.SendAsync(request, cancellationToken);
                response.EnsureSuccessStatusCode();
            }
        }

        GC.Collect();
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(LoopAsync, cancellationToken)));
        process.Refresh();
        double requests = Concurrency * requestsPerWorker;
        return new Cost((process.TotalProcessorTime - cpuBefore).TotalMicroseconds / requests,
            (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / requests);
    }

    private static Cost Median(List<Cost> costs) =>
        new(OverheadMedian.MedianOf(costs.Select(cost => cost.CpuMicroseconds).ToList()),
            OverheadMedian.MedianOf(costs.Select(cost => cost.AllocatedBytes).ToList()));

    private sealed record Cost(double CpuMicroseconds, double AllocatedBytes);

    /// <summary>Stands in for the socket handler: completes asynchronously, as a socket does, and answers 200.</summary>
    private sealed class InMemoryService : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Yield();
            return new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request };
        }
    }
}
