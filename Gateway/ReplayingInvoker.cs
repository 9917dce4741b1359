namespace Replication.Gateway;

/// <summary>
/// The invoker YARP forwards through: the forwarding client's handler pipeline (<see cref="FailoverPipeline"/>: hedging from the
/// primary to the backup, per-service circuits, attempt timeouts, service discovery), created once. It swaps in a request's buffered body
/// first, so every hedged attempt can send it (<see cref="ReplayableContent"/>).
/// </summary>
internal sealed class ReplayingInvoker(HttpMessageHandler pipeline) : HttpMessageInvoker(pipeline, disposeHandler: false)
{
    public override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ReplayableContent.SwapIn(request);
        return base.SendAsync(request, cancellationToken);
    }
}
