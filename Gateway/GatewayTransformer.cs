using Microsoft.Net.Http.Headers;
using Replication.Contracts;
using Yarp.ReverseProxy.Forwarder;

namespace Replication.Gateway;

/// <summary>
/// YARP's default transformer (headers without hop-by-hop ones, X-Forwarded-*, the destination's Host) plus what
/// failover needs. YARP drops the fixed hop-by-hop headers but forwards those a Connection header names (RFC 9110
/// §7.6.1 says not to); they are removed here, both ways. A write gets an Idempotency-Key, so that a second attempt is a
/// replay. The body is not the transformer's business: <see cref="ReplayableBody"/>.
/// </summary>
internal sealed class GatewayTransformer : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await Default.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var incoming = httpContext.Request;
        if (incoming.Headers.Connection.Count > 0)
        {
            foreach (var header in incoming.Headers.GetCommaSeparatedValues(HeaderNames.Connection))
            {
                proxyRequest.Headers.Remove(header);
            }
        }

        // A write may reach both services (hedging, failover); the key makes the second one a replay.
        if (!HttpMethods.IsGet(incoming.Method) && !HttpMethods.IsHead(incoming.Method) && !proxyRequest.Headers.Contains(ReplicationHeaders.IdempotencyKey))
        {
            proxyRequest.Headers.TryAddWithoutValidation(ReplicationHeaders.IdempotencyKey, $"gateway-{Guid.NewGuid():N}");
        }
    }
    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copyBody = await Default.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse is not null && proxyResponse.Headers.NonValidated.TryGetValues(HeaderNames.Connection, out var connection))
        {
            foreach (var header in connection.SelectMany(value => value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
            {
                httpContext.Response.Headers.Remove(header);
            }
        }

        return copyBody;
    }

    public override ValueTask TransformResponseTrailersAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken) =>
        Default.TransformResponseTrailersAsync(httpContext, proxyResponse, cancellationToken);
}
