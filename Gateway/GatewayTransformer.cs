using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Replication.Contracts;
using Replication.ServiceDefaults;
using Yarp.ReverseProxy.Forwarder;

namespace Replication.Gateway;

/// <summary>
/// YARP's default transformer (headers without hop-by-hop ones, X-Forwarded-*, the destination's Host) plus what
/// hedging needs. YARP drops the fixed hop-by-hop headers but forwards those a Connection header names (RFC 9110
/// §7.6.1 says not to); they are removed here, both ways. A write gets an Idempotency-Key, so that a second attempt is a replay. A request body is buffered,
/// because YARP streams it once and cannot send it again (reverse-proxy#56); over <see cref="GatewayOptions.MaxRequestBodyBytes"/>
/// the gateway answers 413 itself and forwards nothing. A request without a body (GET, HEAD) is not touched.
/// </summary>
internal sealed class GatewayTransformer(IOptions<GatewayOptions> options) : HttpTransformer
{
    private readonly int maxRequestBodyBytes = options.Value.MaxRequestBodyBytes;

    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await Default.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        httpContext.Features.Get<UpstreamTiming>()?.Attach(proxyRequest);
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

        // YARP gives the request a content only when the client sends a body.
        if (proxyRequest.Content is null)
        {
            return;
        }

        var body = await RequestBody.ReadAsync(incoming, maxRequestBodyBytes, cancellationToken);
        if (body is null)
        {
            // A response set here tells YARP not to forward.
            await Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
                    detail: $"The gateway accepts bodies of at most {maxRequestBodyBytes} bytes.")
                .ExecuteAsync(httpContext);
            return;
        }

        ReplayableContent.Attach(proxyRequest, body.Value);
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
