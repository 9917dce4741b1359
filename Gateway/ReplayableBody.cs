using System.Net;

namespace Replication.Gateway;

/// <summary>
/// A client's request body, read once up to the gateway's limit, that every attempt at every service can send again.
/// YARP streams a body once and cannot resend it (reverse-proxy#56), and refuses a transformer that replaces the content
/// it made ("Replacing the YARP outgoing request HttpContent is not supported"); so the forwarder reads the body before
/// YARP runs (<see cref="ReadAsync"/>), and the request's own invoker (<see cref="ForwardedRequest"/>) swaps it in for
/// YARP's content (<see cref="SwapInto"/>), which is then never read. A hedge shares it (<see cref="HedgedRequest"/>).
/// </summary>
public sealed class ReplayableBody : HttpContent
{
    private readonly ReadOnlyMemory<byte> body;

    private ReplayableBody(ReadOnlyMemory<byte> body) => this.body = body;

    /// <summary>The whole body, or null as soon as it exceeds <paramref name="maxBytes"/>.</summary>
    public static async Task<ReplayableBody?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 4096);
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return new ReplayableBody(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    /// <summary>Replaces the content YARP made for <paramref name="request"/> with this body, keeping its content headers.</summary>
    public void SwapInto(HttpRequestMessage request)
    {
        if (request.Content is not { } streamed || ReferenceEquals(streamed, this))
        {
            return;
        }

        foreach (var (name, values) in streamed.Headers.NonValidated)
        {
            if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                Headers.TryAddWithoutValidation(name, values);
            }
        }

        request.Content = this;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(body, cancellationToken).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = body.Length;
        return true;
    }

    // Deliberately not base.Dispose: the body is plain memory, and the base would make it unreadable for the other
    // attempt when the losing attempt's request is disposed.
#pragma warning disable CA2215
    protected override void Dispose(bool disposing)
    {
    }
#pragma warning restore CA2215
}
