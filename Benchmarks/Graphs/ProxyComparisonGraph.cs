namespace Replication.Benchmarks.Graphs;

/// <summary>
/// One proxy in the comparison: an Aspire resource of the benchmark's graph, with its telemetry on or off. The gateway
/// also measures its own added latency (<c>gateway.added_latency</c>).
/// </summary>
public sealed record Proxy(string Resource, string Name, bool Telemetry, bool IsGateway)
{
    public static readonly Proxy Gateway = new(ResourceNames.Gateway, "our gateway", true, IsGateway: true);
    public static readonly Proxy GatewayTelemetryOff = new("gateway-telemetry-off", "our gateway", false, IsGateway: true);
    public static readonly Proxy Yarp = new("yarp", "YARP baseline", true, IsGateway: false);
    public static readonly Proxy YarpTelemetryOff = new("yarp-telemetry-off", "YARP baseline", false, IsGateway: false);

    public static IReadOnlyList<Proxy> All { get; } = [Gateway, Yarp, GatewayTelemetryOff, YarpTelemetryOff];
}

/// <summary>
/// The default graph (2 replicas, Async) with the proxies the comparison needs beside the gateway, all run by Aspire the
/// same way (<c>dotnet run</c> of a Release build, the same ServiceDefaults, logging and environment): a second gateway
/// with telemetry off, and the YARP baseline (Benchmarks/YarpBaseline) with telemetry on and off. The dashboard runs, so
/// "telemetry on" means traces, metrics and logs exported over OTLP as in a developer's <c>dotnet run</c>; "off" is
/// <c>OTEL_SDK_DISABLED=true</c>. Every proxy listens on its own port without Aspire's proxy in front, as the services
/// do, so no path pays for a hop the others do not.
/// </summary>
public sealed class ProxyComparisonGraph() : ConfiguredGraph("2 replicas, Async, with the YARP baseline and the dashboard", "--Postgres:Replicas=2")
{
    protected override bool EnableDashboard => true;

    protected override void Configure(IDistributedApplicationTestingBuilder builder)
    {
        var primary = builder.CreateResourceBuilder<ProjectResource>(ResourceNames.PrimaryService);
        var backup = builder.CreateResourceBuilder<ProjectResource>(ResourceNames.BackupService);
        Unproxied(builder.CreateResourceBuilder<ProjectResource>(Proxy.Gateway.Resource));

        Configure(builder.AddProject<Projects.Replication_Gateway>(Proxy.GatewayTelemetryOff.Resource), Proxy.GatewayTelemetryOff, primary, backup);
        Configure(builder.AddProject<YarpBaselineProject>(Proxy.Yarp.Resource), Proxy.Yarp, primary, backup);
        Configure(builder.AddProject<YarpBaselineProject>(Proxy.YarpTelemetryOff.Resource), Proxy.YarpTelemetryOff, primary, backup);
    }

    private static void Configure(
        IResourceBuilder<ProjectResource> resource, Proxy proxy, IResourceBuilder<ProjectResource> primary, IResourceBuilder<ProjectResource> backup)
    {
        resource.WithReference(primary)
            .WithReference(backup)
            .WaitFor(primary)
            .WaitFor(backup)
            .WithHttpHealthCheck(ServicePaths.Health);
        Unproxied(resource);
        if (!proxy.Telemetry)
        {
            resource.WithEnvironment("OTEL_SDK_DISABLED", "true");
        }
    }

    private static void Unproxied(IResourceBuilder<ProjectResource> project) =>
        project.WithEndpoint("http", endpoint =>
        {
            endpoint.IsProxied = false;
            endpoint.Port = null;
            endpoint.TargetPort = null;
        });
}

/// <summary>
/// Benchmarks/YarpBaseline, beside the gateway in the repository. Built by the benchmark's own build (in its
/// configuration), so Aspire runs it with <c>--no-build</c>, as it runs the AppHost's projects.
/// </summary>
internal sealed class YarpBaselineProject : IProjectMetadata
{
    public string ProjectPath { get; } = Path.Combine(
        Path.GetDirectoryName(Path.GetDirectoryName(new Projects.Replication_Gateway().ProjectPath))!,
        "Benchmarks", "YarpBaseline", "Replication.Benchmarks.YarpBaseline.csproj");

    public bool SuppressBuild => true;
}
