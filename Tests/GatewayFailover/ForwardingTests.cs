using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Replication.Gateway;

namespace Replication.Tests.GatewayFailover;

/// <summary>
/// What the gateway sends on, seen by the services themselves: the gateway, built in-process from its own registration
/// code, forwards over real HTTP to two small services on loopback that record every request they get. The primary
/// answers 500 to writes, so every write is also sent to the backup: the body YARP would stream only once must arrive
/// there whole.
/// </summary>
public sealed class ForwardingTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<SeenRequest> seen = new();
    private readonly List<WebApplication> apps = [];
    private HttpClient gateway = null!;

    public async ValueTask InitializeAsync()
    {
        var primary = await StartServiceAsync(ResourceNames.PrimaryService, failWrites: true);
        var backup = await StartServiceAsync(ResourceNames.BackupService, failWrites: false);

        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration[$"services:{ResourceNames.PrimaryService}:http:0"] = primary.ToString();
        builder.Configuration[$"services:{ResourceNames.BackupService}:http:0"] = backup.ToString();
        builder.Configuration["Gateway:MaxRequestBodyBytes"] = "1024";
        builder.AddServiceDefaults();
        builder.AddServiceForwarding();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapForwardedApi();
        gateway = new HttpClient { BaseAddress = await StartAsync(app) };
    }

    public async ValueTask DisposeAsync()
    {
        gateway?.Dispose();
        foreach (var app in apps)
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task AWriteThatThePrimaryFails_ReachesTheBackupWithTheSameBody_AndAnIdempotencyKey()
    {
        const string body = """{"name":"Ada","email":"ada@example.com"}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/users?source=test") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Connection.Add("X-Hop");
        request.Headers.Add("X-Hop", "connection-only");
        request.Headers.Add("X-Custom", "kept");

        using var response = await gateway.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(ResourceNames.BackupService, response.Headers.GetValues(ReplicationHeaders.ServedBy).Single());
        var attempts = seen.Where(s => s.Method == "POST").ToList();
        Assert.Equal([ResourceNames.PrimaryService, ResourceNames.BackupService], attempts.Select(attempt => attempt.Service));
        Assert.All(attempts, attempt =>
        {
            Assert.Equal(body, attempt.Body);
            Assert.Equal("/users?source=test", attempt.PathAndQuery);
            Assert.Equal("application/json; charset=utf-8", attempt.Headers["Content-Type"]);
            Assert.Equal("kept", attempt.Headers["X-Custom"]);
            Assert.StartsWith("gateway-", attempt.Headers[ReplicationHeaders.IdempotencyKey], StringComparison.Ordinal);
            Assert.True(attempt.Headers.ContainsKey("X-Forwarded-For"), "X-Forwarded-For is missing.");
            // Hop-by-hop: the Connection header and every header it names stay with the client's connection.
            Assert.False(attempt.Headers.ContainsKey("X-Hop"), "A header named in Connection was forwarded.");
        });
        // The same key on both attempts is what makes the second a replay.
        Assert.Single(attempts.Select(attempt => attempt.Headers[ReplicationHeaders.IdempotencyKey]).Distinct());
    }

    [Fact]
    public async Task AReadIsForwardedWithoutABody()
    {
        using var response = await gateway.GetAsync("/users/7", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var attempt = Assert.Single(seen);
        Assert.Equal((ResourceNames.PrimaryService, "GET", "/users/7", ""), (attempt.Service, attempt.Method, attempt.PathAndQuery, attempt.Body));
        Assert.False(attempt.Headers.ContainsKey("Transfer-Encoding") || attempt.Headers.ContainsKey("Content-Length"), "A read was sent with a body.");
        Assert.False(attempt.Headers.ContainsKey(ReplicationHeaders.IdempotencyKey), "A read got an Idempotency-Key.");
    }

    [Fact]
    public async Task AChunkedBodyOverTheLimitGets413_AndReachesNoService()
    {
        using var content = new StreamContent(new MemoryStream(new byte[4096]));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/users") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await gateway.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(seen);
    }

    private async Task<Uri> StartServiceAsync(string name, bool failWrites)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            seen.Enqueue(new SeenRequest(name, context.Request.Method, context.Request.Path + context.Request.QueryString, body,
                context.Request.Headers.ToDictionary(header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            context.Response.Headers[ReplicationHeaders.ServedBy] = name;
            context.Response.StatusCode = HttpMethods.IsPost(context.Request.Method)
                ? failWrites ? StatusCodes.Status500InternalServerError : StatusCodes.Status201Created
                : StatusCodes.Status200OK;
            await context.Response.WriteAsync("{}", context.RequestAborted);
        });
        return await StartAsync(app);
    }

    private async Task<Uri> StartAsync(WebApplication app)
    {
        apps.Add(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    private sealed record SeenRequest(string Service, string Method, string PathAndQuery, string Body, Dictionary<string, string> Headers);
}
