using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace Replication.ServiceDefaults;

/// <summary>
/// The answer of admission control, the same wherever work is turned away (a service's limiter, the gateway's load
/// shedding): a status, <c>Retry-After</c>, and a problem+json body. A refusal must cost far less than the work it turns
/// away, or a client that asks again at once (an impatient client, a closed-loop load generator) spends the CPU on
/// refusals: so the body is serialized once, and the request's trace is not exported; it is counted in the metrics
/// (<c>http.server.request.duration</c> by status, <c>aspnetcore.rate_limiting.requests</c>).
/// </summary>
public sealed class Refusal(int status, string title, string detail)
{
    private readonly byte[] body = JsonSerializer.SerializeToUtf8Bytes(
        new ProblemDetails { Status = status, Title = title, Detail = detail }, JsonSerializerOptions.Web);

    public int Status => status;

    public Task WriteAsync(HttpContext context, CancellationToken cancellationToken = default)
    {
        if (context.Features.Get<IHttpActivityFeature>()?.Activity is { } activity)
        {
            activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            activity.IsAllDataRequested = false;
        }

        context.Response.StatusCode = status;
        context.Response.Headers.RetryAfter = "1";
        context.Response.ContentType = "application/problem+json";
        return context.Response.Body.WriteAsync(body, cancellationToken).AsTask();
    }
}
