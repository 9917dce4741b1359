using System.Net;

namespace Replication.Gateway;

/// <summary>
/// A buffered request body that every hedged attempt can send. A hedge is a copy of the request that shares its content
/// object (<see cref="HedgedRequest"/>); were the losing attempt's request disposed, an ordinary content would be disposed
/// under the attempt still running. This one stays readable until the client's request is done.
/// </summary>
/// <remarks>
/// YARP does not let a transformer replace the content it created ("Replacing the YARP outgoing request HttpContent is
/// not supported", HttpForwarder.CreateRequestMessageAsync), and that content streams the client's body once. So the
/// transformer buffers the body and attaches it to the request's options (<see cref="Attach"/>), and
/// <see cref="ReplayingInvoker"/>, the first thing the request meets after YARP, swaps it in (<see cref="SwapIn"/>)
/// before the pipeline runs, so a hedge copies it. YARP's own content is then never read.
/// </remarks>
internal sealed class ReplayableContent(ReadOnlyMemory<byte> body) : HttpContent
{
    private static readonly HttpRequestOptionsKey<ReplayableContent> OptionsKey = new("Replication.Gateway.ReplayableContent");

    public static void Attach(HttpRequestMessage request, ReadOnlyMemory<byte> body) => request.Options.Set(OptionsKey, new ReplayableContent(body));

    /// <summary>Replaces the request's content with the buffered body attached to it, keeping its content headers.</summary>
    public static void SwapIn(HttpRequestMessage request)
    {
        if (request.Content is not { } streamed || !request.Options.TryGetValue(OptionsKey, out var replayable))
        {
            return;
        }

        foreach (var (name, values) in streamed.Headers.NonValidated)
        {
            if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                replayable.Headers.TryAddWithoutValidation(name, values);
            }
        }

        request.Content = replayable;
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

    // Deliberately not base.Dispose: the body is plain memory, and the base would mark it unreadable for the other attempts.
#pragma warning disable CA2215
    protected override void Dispose(bool disposing)
    {
    }
#pragma warning restore CA2215
}
