using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Replication.Contracts;
using Replication.ServiceDefaults;

namespace Replication.Gateway;

/// <summary>
/// Forwards one client request to the services through the gateway's <see cref="HttpClient"/>,
/// whose handler pipeline decides which service answers. The body is buffered first,
/// because the pipeline may send the same request more than once.
/// </summary>
public sealed class ServiceForwarder(
    IHttpClientFactory clientFactory, IOptions<GatewayOptions> options, GatewayTelemetry telemetry, ILogger<ServiceForwarder> logger)
{
    public const string ClientName = "services";

    public async Task ForwardAsync(HttpContext context)
    {
        var settings = options.Value;
        var body = await RequestBody.ReadAsync(context.Request, settings.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await WriteProblemAsync(context, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"The gateway accepts bodies of at most {settings.MaxRequestBodyBytes} bytes.");
            return;
        }

        using var request = CreateRequest(context, body.Value);
        HttpResponseMessage response;
        try
        {
            response = await clientFactory.CreateClient(ClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        // Transport errors, attempt and total timeouts, open circuits: no service could answer.
        catch (Exception exception) when (exception is HttpRequestException or TimeoutException or Polly.ExecutionRejectedException
                                          || (exception is OperationCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            logger.LogWarning("No service answered {Method} {Path}: {Message}",
                context.Request.Method, context.Request.Path, exception.Message);
            telemetry.RecordResponse(null, StatusCodes.Status503ServiceUnavailable);
            context.Response.Headers.RetryAfter = "1";
            await WriteProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "No service available",
                "Neither service could answer the request. Retry shortly.");
            return;
        }

        using (response)
        {
            telemetry.RecordResponse(response.Headers.TryGetValues(ReplicationHeaders.ServedBy, out var servedBy) ? servedBy.First() : null, (int)response.StatusCode);
            await CopyResponseAsync(response, context);
        }
    }

    private static HttpRequestMessage CreateRequest(HttpContext context, ReadOnlyMemory<byte> body)
    {
        var incoming = context.Request;
        var request = new HttpRequestMessage(new HttpMethod(incoming.Method), incoming.Path + incoming.QueryString)
        {
            Version = System.Net.HttpVersion.Version11,
        };

        if (body.Length > 0 || incoming.ContentLength is not null)
        {
            request.Content = new ReplayableContent(body);
        }

        var connection = incoming.Headers.Connection;
        foreach (var (name, values) in incoming.Headers)
        {
            if (HopByHopHeaders.IsHopByHop(name, connection) || name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        // A write may reach both services (hedging, failover); the key makes the second one a replay.
        if (!HttpMethods.IsGet(incoming.Method) && !HttpMethods.IsHead(incoming.Method) && !request.Headers.Contains(ReplicationHeaders.IdempotencyKey))
        {
            request.Headers.TryAddWithoutValidation(ReplicationHeaders.IdempotencyKey, $"gateway-{Guid.NewGuid():N}");
        }

        request.Headers.TryAddWithoutValidation("X-Forwarded-For", context.Connection.RemoteIpAddress?.ToString());
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", incoming.Scheme);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", incoming.Host.Value);
        return request;
    }

    private static async Task CopyResponseAsync(HttpResponseMessage response, HttpContext context)
    {
        context.Response.StatusCode = (int)response.StatusCode;
        var connection = string.Join(',', response.Headers.Connection);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHopHeaders.IsHopByHop(name, connection))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static Task WriteProblemAsync(HttpContext context, int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);
}
