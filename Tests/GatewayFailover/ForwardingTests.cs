using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Replication.Tests.GatewayFailover;

/// <summary>
/// What the gateway sends on, seen by the services themselves (<see cref="LoopbackServices"/>). The primary answers 500
/// to writes, so every write is also sent to the backup: the body YARP would stream only once must arrive there whole.
/// </summary>
public sealed class ForwardingTests() : LoopbackGatewayTests("--Gateway:MaxRequestBodyBytes=1024")
{
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Services.Behave(ResourceNames.PrimaryService, context =>
        {
            if (HttpMethods.IsPost(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }

            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task AWriteThatThePrimaryFails_ReachesTheBackupWithTheSameBody_AndAnIdempotencyKey()
    {
        const string body = """{"name":"Ada","email":"ada@example.com"}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/users?source=test") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Connection.Add("X-Hop");
        request.Headers.Add("X-Hop", "connection-only");
        request.Headers.Add("X-Custom", "kept");

        using var response = await Services.Gateway.SendAsync(request, CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(ResourceNames.BackupService, response.Headers.GetValues(ReplicationHeaders.ServedBy).Single());
        var attempts = Services.Seen.Where(s => s.Method == "POST").ToList();
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
        using var response = await Services.Gateway.GetAsync("/users/7", CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var attempt = Assert.Single(Services.Seen);
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

        using var response = await Services.Gateway.SendAsync(request, CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(Services.Seen);
    }
}
