using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Replication.Benchmarks.Reporting;
using Replication.Gateway;

namespace Replication.Benchmarks.Sections;

/// <summary>
/// What the gateway's failover costs per request on its own: the gateway's own host (<see cref="GatewayHost"/>: service
/// addresses, hedging within its budget, each service's circuit breaker and attempt timeout) with an in-memory service
/// in place of its transport, so no socket, service or load generator shares the measurement. YARP's forwarder sends
/// straight to its socket handler, so this is the work the gateway does per request that YARP does not; the closed-loop
/// sections measure the whole path. Beside it, its parts on their own, service discovery per attempt (what the gateway
/// did before it resolved addresses once) and the library's standard hedging handler, for scale.
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
        await using var host = BuildHost();
        var handlers = host.Services.GetRequiredService<IHttpMessageHandlerFactory>();
        var failover = host.Services.GetRequiredService<Failover>();
        var byName = new Uri($"http://{ResourceNames.PrimaryService}/users/1");
        var resolved = new Uri($"{await failover.Primary.Address.GetAsync(cancellationToken)}/users/1");
        using var alone = new HttpMessageInvoker(new InMemoryService());
        using var discovery = new HttpMessageInvoker(handlers.CreateHandler(DiscoveryOnly));
        using var standardHedging = new HttpMessageInvoker(handlers.CreateHandler(StandardHedging));
        Chain[] chains =
        [
            new("in-memory service alone (what YARP's forwarder sends through)", byName, alone.SendAsync),
            new("service discovery per attempt, then the service (the gateway before)", byName, discovery.SendAsync),
            new("the library's standard hedging handler (AddStandardHedgingHandler)", byName, standardHedging.SendAsync),
            new("part: the primary's circuit breaker and attempt timeout (Polly)", resolved, async (request, token) =>
                (await failover.Primary.SendAsync(request, token)).Outcome.Result!),
            new("the gateway's failover (ForwardedRequest: hedging, budget, circuits, timeouts)", resolved,
                (request, token) => new ForwardedRequest(failover, body: null).SendAsync(request, token)),
        ];

        var requestsPerWorker = settings.Smoke ? 200 : 10_000;
        var samples = chains.ToDictionary(chain => chain.Name, _ => new List<Cost>());
        for (var round = 0; round < settings.OverheadRounds; round++)
        {
            foreach (var chain in chains)
            {
                await MeasureAsync(chain, requestsPerWorker / 10, cancellationToken);
                samples[chain.Name].Add(await MeasureAsync(chain, requestsPerWorker, cancellationToken));
            }
        }

        var baseline = Median(samples[chains[0].Name]);
        var table = new ResultTable(Key, $"Gateway pipeline: cost per request in process ({Concurrency} concurrent requests, medians of {settings.OverheadRounds} rounds)",
            "handler chain", "CPU µs/req", "CPU µs/req − service alone", "allocated B/req", "allocated B/req − service alone", "CPU µs/req spread");
        foreach (var chain in chains)
        {
            var cost = Median(samples[chain.Name]);
            var cpu = samples[chain.Name].Select(sample => sample.CpuMicroseconds).ToList();
            table.Add(chain.Name, cost.CpuMicroseconds, cost.CpuMicroseconds - baseline.CpuMicroseconds,
                (long)Math.Round(cost.AllocatedBytes), (long)Math.Round(cost.AllocatedBytes - baseline.AllocatedBytes),
                string.Create(CultureInfo.InvariantCulture, $"{cpu.Min():F1}–{cpu.Max():F1}"));
        }

        table.Notes.Add(string.Create(CultureInfo.InvariantCulture, $"Each row: {Concurrency} concurrent loops of {requestsPerWorker:N0} GET requests (after {requestsPerWorker / 10:N0} not counted), each a new HttpRequestMessage as YARP's forwarder makes one; the in-memory service yields once (as a socket completes asynchronously) and answers 200 with a {ChunkedUser.Length}-byte JSON user, chunked; each body is read to its end."));
        table.Notes.Add("CPU µs/req: the benchmark process's CPU time over the loops divided by their requests, so it includes the thread pool's scheduling; allocated: GC.GetTotalAllocatedBytes. \"− service alone\": over the first row. Spread: the lowest and highest round.");
        table.Notes.Add("The gateway's rows are its own host (GatewayHost.Build), with only the transport replaced; the host is not started, so no OpenTelemetry listener records anything. Its request is addressed as YARP addresses it, to the primary's resolved address; the gateway makes one ForwardedRequest per request, as here. The service discovery and standard hedging rows are IHttpClientFactory clients of the same host.");
        return table;
    }

    private static WebApplication BuildHost() => GatewayHost.Build(
        [
            $"--services:{ResourceNames.PrimaryService}:http:0=http://127.0.0.1:1",
            $"--services:{ResourceNames.BackupService}:http:0=http://127.0.0.1:2",
        ],
        builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddKeyedSingleton<HttpMessageHandler>(Failover.TransportKey, (_, _) => new InMemoryService());
#pragma warning disable EXTEXP0001 // The documented way to drop the pipeline ConfigureHttpClientDefaults adds.
            builder.Services.AddHttpClient(DiscoveryOnly).RemoveAllResilienceHandlers()
                .ConfigurePrimaryHttpMessageHandler(() => new InMemoryService());
            builder.Services.AddHttpClient(StandardHedging).RemoveAllResilienceHandlers()
                .ConfigurePrimaryHttpMessageHandler(() => new InMemoryService())
                .AddStandardHedgingHandler();
#pragma warning restore EXTEXP0001
        });

    private static async Task<Cost> MeasureAsync(Chain chain, int requestsPerWorker, CancellationToken cancellationToken)
    {
        async Task LoopAsync()
        {
            var buffer = new byte[4096];
            for (var i = 0; i < requestsPerWorker; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, chain.Address);
                using var response = await chain.SendAsync(request, cancellationToken);
                response.EnsureSuccessStatusCode();
                // The body read to its end, as YARP's forwarder copies it to the client.
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                while (await body.ReadAsync(buffer, cancellationToken) > 0)
                {
                }
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

    private sealed record Chain(string Name, Uri Address, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> SendAsync);

    /// <summary>
    /// Stands in for the socket handler: completes asynchronously, as a socket does, and answers 200 with a user as the
    /// service does (JSON, chunked: no length declared), so the gateway's read-ahead of the body is measured too.
    /// </summary>
    private sealed class InMemoryService : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Yield();
            var response = new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new ChunkedUser() };
            response.Headers.TransferEncodingChunked = true;
            return response;
        }
    }

    private sealed class ChunkedUser : HttpContent
    {
        private static readonly byte[] User = """{"id":1,"name":"Ada Lovelace","email":"ada@example.com","createdAt":"2026-12-07T12:00:00.000000+00:00"}"""u8.ToArray();

        // Unparsed, as SocketsHttpHandler stores the headers it reads: a parsed value would be formatted again when copied.
        public ChunkedUser() => Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-8");

        public static int Length => User.Length;

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(User).AsTask();

        protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult<Stream>(new MemoryStream(User, writable: false));

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
