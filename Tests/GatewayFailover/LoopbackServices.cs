using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Replication.Gateway;

namespace Replication.Tests.GatewayFailover;

/// <summary>
/// The gateway's own host (<see cref="GatewayHost"/>) in process, forwarding over real HTTP to small services on
/// loopback that record every request they get and answer as each test tells them (<see cref="Behave"/>). For the
/// gateway's own behaviour, which does not need PostgreSQL: what it sends where, and when.
/// </summary>
public sealed class LoopbackServices : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> behaviours = new();
    private readonly List<WebApplication> apps = [];

    private LoopbackServices()
    {
    }

    /// <summary>Every request a service got, in arrival order.</summary>
    public ConcurrentQueue<SeenRequest> Seen { get; } = new();

    public HttpClient Gateway { get; private set; } = null!;

    public WebApplication GatewayApp { get; private set; } = null!;

    public Uri Primary { get; private set; } = null!;

    public Uri Backup { get; private set; } = null!;

    /// <summary>Starts primaryservice, backupservice and a gateway in front of them, with the gateway's <paramref name="settings"/> (<c>--Gateway:Key=value</c>).</summary>
    public static async Task<LoopbackServices> StartAsync(params string[] settings)
    {
        var services = new LoopbackServices();
        services.Primary = await services.StartServiceAsync(ResourceNames.PrimaryService);
        services.Backup = await services.StartServiceAsync(ResourceNames.BackupService);
        await services.StartOwnGatewayAsync(
            [$"--services:{ResourceNames.PrimaryService}:http:0={services.Primary}", $"--services:{ResourceNames.BackupService}:http:0={services.Backup}", .. settings]);
        return services;
    }

    /// <summary>Starts the gateway alone; its services come from <paramref name="configure"/> (e.g. a configuration source a test changes).</summary>
    public static async Task<LoopbackServices> StartGatewayAsync(string[] settings, Action<WebApplicationBuilder> configure)
    {
        var services = new LoopbackServices();
        await services.StartOwnGatewayAsync(settings, configure);
        return services;
    }

    /// <summary>How <paramref name="service"/> answers from now on; by default 200 (201 for a POST) at once.</summary>
    public void Behave(string service, Func<HttpContext, Task> answer) => behaviours[service] = answer;

    /// <summary>A service that waits <paramref name="delay"/> (or until the gateway cancels), then answers.</summary>
    public void Slow(string service, TimeSpan delay) => Behave(service, context => Task.Delay(delay, context.RequestAborted));

    /// <summary>A service whose admission control turns every request away: 503 with Retry-After, as the users API's does.</summary>
    public void Refuse(string service) => Behave(service, context =>
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "1";
        return Task.CompletedTask;
    });

    public async Task<Uri> StartServiceAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var seen = new SeenRequest(name, context.Request.Method, context.Request.Path + context.Request.QueryString, body,
                context.Request.Headers.ToDictionary(header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                Stopwatch.GetTimestamp());
            Seen.Enqueue(seen);
            context.Response.Headers[ReplicationHeaders.ServedBy] = name;
            try
            {
                if (behaviours.TryGetValue(name, out var behave))
                {
                    await behave(context);
                }
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                seen.Cancelled = true;
                return;
            }

            if (!context.Response.HasStarted && context.Response.StatusCode == StatusCodes.Status200OK && HttpMethods.IsPost(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status201Created;
            }

            await context.Response.WriteAsync("{}", context.RequestAborted);
        });
        return await StartAsync(app);
    }

    public async ValueTask DisposeAsync()
    {
        Gateway?.Dispose();
        foreach (var app in apps)
        {
            await app.DisposeAsync();
        }
    }

    private async Task StartOwnGatewayAsync(string[] settings, Action<WebApplicationBuilder>? configure = null)
    {
        GatewayApp = GatewayHost.Build(["--urls=http://127.0.0.1:0", .. settings], builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            configure?.Invoke(builder);
        });
        Gateway = new HttpClient { BaseAddress = await StartAsync(GatewayApp) };
    }

    private async Task<Uri> StartAsync(WebApplication app)
    {
        apps.Add(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }
}

/// <summary>A request as a loopback service got it; <see cref="Cancelled"/> once the gateway gave up on it while it was answering.</summary>
public sealed record SeenRequest(string Service, string Method, string PathAndQuery, string Body, Dictionary<string, string> Headers, long ReceivedAt)
{
    private volatile bool cancelled;

    public bool Cancelled
    {
        get => cancelled;
        set => cancelled = value;
    }
}
