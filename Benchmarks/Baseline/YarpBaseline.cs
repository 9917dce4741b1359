using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

namespace Replication.Benchmarks.Baseline;

/// <summary>
/// The gateway a user would otherwise pick: a plain YARP forwarder on loopback, hosted by the benchmark, with the same
/// two services as destinations. FirstAlphabetical sends everything to primaryservice while it is healthy; active
/// health checks (GET /health every second) and passive ones (transport failures) move traffic to backupservice.
/// No retries and no hedging: that is YARP's default, and the point of the comparison.
/// </summary>
public sealed class YarpBaseline : IAsyncDisposable
{
    private readonly WebApplication app;

    private YarpBaseline(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<YarpBaseline> StartAsync(Uri primaryService, Uri backupService, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        // To stderr, with the progress: health-state changes tell the failover story of the baseline.
        builder.Logging.ClearProviders().AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Warning).AddFilter("Yarp.ReverseProxy.Health", LogLevel.Information);
        // Passive checks judge a destination over a sliding window and keep it out for at least that long (60 s by
        // default); 2 s matches the gateway's circuit break, so failback is compared like for like.
        builder.Services.Configure<TransportFailureRateHealthPolicyOptions>(options => options.DetectionWindowSize = TimeSpan.FromSeconds(2));
        builder.Services.AddReverseProxy().LoadFromMemory(
            [new RouteConfig { RouteId = "users", ClusterId = "services", Match = new RouteMatch { Path = "/users/{**rest}" } }],
            [new ClusterConfig
            {
                ClusterId = "services",
                LoadBalancingPolicy = "FirstAlphabetical",
                Destinations = new Dictionary<string, DestinationConfig>
                {
                    ["1-primaryservice"] = new() { Address = primaryService.GetLeftPart(UriPartial.Authority) },
                    ["2-backupservice"] = new() { Address = backupService.GetLeftPart(UriPartial.Authority) },
                },
                HealthCheck = new HealthCheckConfig
                {
                    Active = new ActiveHealthCheckConfig
                    {
                        Enabled = true,
                        Interval = TimeSpan.FromSeconds(1),
                        Timeout = TimeSpan.FromSeconds(1),
                        Policy = "ConsecutiveFailures",
                        Path = ServicePaths.Health,
                    },
                    Passive = new PassiveHealthCheckConfig { Enabled = true, Policy = "TransportFailureRate", ReactivationPeriod = TimeSpan.FromSeconds(2) },
                },
            }]);

        var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new YarpBaseline(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
