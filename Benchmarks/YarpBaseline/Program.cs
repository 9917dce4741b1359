using Replication.Contracts;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

// The gateway a user would otherwise pick: a plain YARP forwarder over the same two services. FirstAlphabetical sends
// everything to primaryservice while it is healthy; active health checks (GET /health every second) and passive ones
// (transport failures) move traffic to backupservice. No retries and no hedging: that is YARP's default, and the
// point of the comparison.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();

// Passive checks judge a destination over a sliding window and keep it out for at least that long (60 s by default);
// 2 s matches the gateway's circuit break, so failback is compared like for like.
builder.Services.Configure<TransportFailureRateHealthPolicyOptions>(options => options.DetectionWindowSize = TimeSpan.FromSeconds(2));
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "users", ClusterId = "services", Match = new RouteMatch { Path = "/users/{**rest}" } }],
    [new ClusterConfig
    {
        ClusterId = "services",
        LoadBalancingPolicy = "FirstAlphabetical",
        Destinations = new Dictionary<string, DestinationConfig>
        {
            [$"1-{ResourceNames.PrimaryService}"] = new() { Address = ServiceAddress(ResourceNames.PrimaryService) },
            [$"2-{ResourceNames.BackupService}"] = new() { Address = ServiceAddress(ResourceNames.BackupService) },
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

app.MapDefaultEndpoints();
app.MapReverseProxy();

app.Run();

// The address Aspire's WithReference gives the service (services__{name}__http__0), as the gateway's service discovery reads it.
string ServiceAddress(string service) =>
    builder.Configuration[$"services:{service}:http:0"]
    ?? throw new InvalidOperationException($"No address for {service}: reference it from the AppHost (WithReference).");
