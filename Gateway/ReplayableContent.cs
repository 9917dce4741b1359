using System.Net;

namespace Replication.Gateway;

/// <summary>
/// A buffered request body that every hedged attempt can send. The hedging handler gives each attempt a copy of the
/// request that shares one content object, and disposes an attempt's request when it fails; an ordinary content would
/// then be disposed under the attempt still running. This one stays readable until the client's request is done.
/// </summary>
internal sealed class ReplayableContent(ReadOnlyMemory<byte> body) : HttpContent
{
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
