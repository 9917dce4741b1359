using System.Text;
using Replication.Tests.Kit;
using Microsoft.AspNetCore.Http;

namespace Replication.Tests.GatewayFailover;

/// <summary>
/// A service's answer is part of its attempt up to <c>Gateway:MaxBufferedResponseBytes</c>: a primary that dies halfway
/// through a body is failed over like one that never answered, and a body longer than that still arrives whole.
/// </summary>
public sealed class ResponseReadAheadTests() : LoopbackGatewayTests($"--Gateway:MaxBufferedResponseBytes={ReadAheadLimit}")
{
    private const int ReadAheadLimit = 1024;

    [Fact]
    public async Task APrimaryThatDiesHalfwayThroughItsBody_IsFailedOver_TheClientGetsTheBackupsWholeAnswer()
    {
        Services.Behave(ResourceNames.PrimaryService, async context =>
        {
            // Headers and the start of a body on the wire, then the connection dies, as when the process is killed.
            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"id":1,"na""", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            context.Abort();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });

        for (var i = 0; i < 10; i++)
        {
            using var response = await Services.Gateway.PostAsync("/users", new StringContent("""{"name":"Ada"}""", Encoding.UTF8, "application/json"), CancellationToken);

            var body = await response.Content.ReadAsStringAsync(CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
            Assert.Equal(ResourceNames.BackupService, response.Header(ReplicationHeaders.ServedBy));
            Assert.Equal("{}", body);
        }

        // The primary was asked (until its circuit opened), and none of its cut answers was forwarded.
        Assert.Contains(Services.Seen, seen => seen.Service == ResourceNames.PrimaryService);
    }

    [Fact]
    public async Task ABodyLongerThanTheReadAhead_IsForwardedWhole()
    {
        var longBody = string.Concat(Enumerable.Range(0, 500).Select(i => $"{i:D9},"));
        Services.Behave(ResourceNames.PrimaryService, async context =>
        {
            // Chunked (no length declared), in pieces, so the read-ahead stops inside the body and the rest streams.
            foreach (var piece in longBody.Chunk(700))
            {
                await context.Response.WriteAsync(new string(piece), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });

        using var response = await Services.Gateway.GetAsync("/users", CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ResourceNames.PrimaryService, response.Header(ReplicationHeaders.ServedBy));
        var received = await response.Content.ReadAsStringAsync(CancellationToken);
        Assert.True(longBody.Length > ReadAheadLimit * 4);
        Assert.Equal(longBody + "{}", received); // the loopback service ends every answer with "{}"
    }

    [Fact]
    public async Task AHeadAnswer_KeepsTheLengthItDeclares()
    {
        Services.Behave(ResourceNames.PrimaryService, context =>
        {
            context.Response.ContentLength = 42;
            return Task.CompletedTask;
        });

        using var request = new HttpRequestMessage(HttpMethod.Head, "/users/1");
        using var response = await Services.Gateway.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(42, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task AWholeChunkedAnswer_IsForwardedWithItsLength()
    {
        // Headers as they came over the wire: HttpClient would fill in the length of a body it buffered itself.
        using var response = await Services.Gateway.GetAsync("/users/1", HttpCompletionOption.ResponseHeadersRead, CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, response.Content.Headers.ContentLength);
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync(CancellationToken));
    }

    [Fact]
    public async Task AnEventStream_IsForwardedAsItArrives_NotReadAhead()
    {
        var firstEventReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Services.Behave(ResourceNames.PrimaryService, async context =>
        {
            // Held open until the client has the first event: a gateway that read it ahead would wait for more, until its
            // attempt timeout sent the request to the backup.
            context.Response.Headers.ContentType = "text/event-stream; charset=utf-8";
            await context.Response.WriteAsync("data: 1\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await firstEventReceived.Task.WaitAsync(context.RequestAborted);
        });

        using var response = await Services.Gateway.GetAsync("/users/events", HttpCompletionOption.ResponseHeadersRead, CancellationToken);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(CancellationToken));
        var firstLine = await events.ReadLineAsync(CancellationToken);
        firstEventReceived.SetResult();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ResourceNames.PrimaryService, response.Header(ReplicationHeaders.ServedBy));
        Assert.Equal("data: 1", firstLine);
    }
}
