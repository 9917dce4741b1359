using System.Buffers;

namespace Replication.Gateway;

/// <summary>
/// Reads a service's answer within its attempt, up to the gateway's limit, before anything of it is forwarded. A service
/// that dies halfway through a body then fails its attempt and the other service is asked, instead of the client getting
/// the headers and a cut body (seen in CI: the primary SIGKILLed while it wrote a 201's body; the client's write failed
/// with "Error while copying content to a stream"). A longer body, one that declares a longer length, and an event
/// stream are forwarded as they arrive, from where the read stopped: a failure past that point still reaches the client,
/// as behind any proxy.
/// </summary>
internal static class ResponseReadAhead
{
    private const int ChunkSize = 16 * 1024;

    public static async Task ReadAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        var content = response.Content;
        var declared = content.Headers.ContentLength;
        if (declared == 0 || declared > limit || IsEventStream(content))
        {
            return;
        }

        var source = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        HttpContent readAhead;
        long length;
        bool ended;
        try
        {
            // Most answers end within the first chunk: they are copied out once, at their length, with no stream.
            var first = (int)Math.Min(chunk.Length, limit + 1L);
            length = await ReadChunksAsync(source, chunk, first, cancellationToken).ConfigureAwait(false);
            if (length < first)
            {
                ended = true;
                readAhead = new ByteArrayContent(chunk.AsSpan(0, (int)length).ToArray());
            }
            else
            {
                var body = new MemoryStream(declared is { } size ? (int)size : chunk.Length * 2);
                body.Write(chunk, 0, (int)length);
                ended = await ReadRestAsync(source, body, chunk, limit, cancellationToken).ConfigureAwait(false);
                length = body.Length;
                body.Position = 0;
                readAhead = new StreamContent(ended ? body : new ReadAheadStream(body, source));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        foreach (var (name, values) in content.Headers.NonValidated)
        {
            _ = values.Count == 1
                ? readAhead.Headers.TryAddWithoutValidation(name, values.ToString())
                : readAhead.Headers.TryAddWithoutValidation(name, values);
        }

        if (ended)
        {
            // Whole: it goes out with its length (a HEAD's declared one kept), and the connection back to the pool.
            readAhead.Headers.ContentLength ??= length;
            response.Headers.TransferEncodingChunked = null;
            content.Dispose();
        }

        response.Content = readAhead;
    }

    /// <summary>
    /// Read from the header as received: <see cref="HttpContentHeaders.ContentType"/> would parse it into objects on every
    /// response (SocketsHttpHandler keeps what it reads unparsed).
    /// </summary>
    private static bool IsEventStream(HttpContent content) =>
        content.Headers.NonValidated.TryGetValues("Content-Type", out var values)
        && values.ToString().AsSpan().TrimStart().StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase);

    /// <summary>Fills <paramref name="chunk"/> up to <paramref name="count"/> bytes, or until the body ends; returns how much it holds.</summary>
    private static async ValueTask<int> ReadChunksAsync(Stream source, byte[] chunk, int count, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < count)
        {
            var read = await ReadChunkAsync(source, chunk.AsMemory(filled, count - filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    /// <summary>Appends the body to <paramref name="body"/> until it ends (true) or passes <paramref name="limit"/> (false).</summary>
    private static async ValueTask<bool> ReadRestAsync(Stream source, MemoryStream body, byte[] chunk, int limit, CancellationToken cancellationToken)
    {
        while (body.Length <= limit)
        {
            var read = await ReadChunkAsync(source, chunk, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return true;
            }

            body.Write(chunk, 0, read);
        }

        return false;
    }

    /// <summary>
    /// A body cut off surfaces from the connection's stream as an <see cref="IOException"/>, which the failover predicates
    /// do not count as a transport failure, unlike the <see cref="HttpRequestException"/> a service dying before its
    /// headers gives: so it is raised as one.
    /// </summary>
    private static async ValueTask<int> ReadChunkAsync(Stream source, Memory<byte> chunk, CancellationToken cancellationToken)
    {
        try
        {
            return await source.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException exception)
        {
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "The service's answer ended before its body did.", exception);
        }
    }

    /// <summary>What was read ahead, then the rest of the service's body.</summary>
    private sealed class ReadAheadStream(MemoryStream readAhead, Stream rest) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            readAhead.Position < readAhead.Length ? readAhead.Read(buffer, offset, count) : rest.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            readAhead.Position < readAhead.Length ? ValueTask.FromResult(readAhead.Read(buffer.Span)) : rest.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                readAhead.Dispose();
                rest.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
