using System.Diagnostics;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Replication.Contracts;
using Yarp.ReverseProxy.Forwarder;

namespace Replication.Gateway;

/// <summary>
/// Forwards one client request with YARP's <see cref="IHttpForwarder"/> through the request's own invoker
/// (<see cref="ForwardedRequest"/>), whose <see cref="Failover"/> decides which service answers. Everything per request
/// that can be made once (transformer, request settings, the services' pipelines) is made once, here or there.
/// </summary>
public sealed partial class ServiceForwarder
{
    private readonly IHttpForwarder forwarder;
    private readonly Failover failover;
    private readonly HttpTransformer transformer = new GatewayTransformer();
    private readonly GatewayStatus status;
    private readonly GatewayTelemetry telemetry;
    private readonly AddedLatencyMeter addedLatency;
    private readonly LoadShedding loadShedding;
    private readonly ILogger<ServiceForwarder> logger;
    private readonly int maxRequestBodyBytes;

    // HTTP/1.1 to the services, as they serve it; the attempt timeouts govern, this only guards against a bug.
    private readonly ForwarderRequestConfig requestConfig = new()
    {
        Version = System.Net.HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        ActivityTimeout = TimeSpan.FromMinutes(1),
    };

    public ServiceForwarder(
        IHttpForwarder forwarder, Failover failover, IOptions<GatewayOptions> options, GatewayStatus status, GatewayTelemetry telemetry,
        AddedLatencyMeter addedLatency, LoadShedding loadShedding, ILogger<ServiceForwarder> logger)
    {
        this.forwarder = forwarder;
        this.failover = failover;
        this.status = status;
        this.telemetry = telemetry;
        this.addedLatency = addedLatency;
        this.loadShedding = loadShedding;
        this.logger = logger;
        maxRequestBodyBytes = options.Value.MaxRequestBodyBytes;
    }

    public async Task ForwardAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        RateLimitLease slot;
        try
        {
            slot = await loadShedding.AcquireAsync(context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // The client left while its request was queued.
        }

        using var lease = slot;
        if (!slot.IsAcquired)
        {
            await LoadShedding.RejectAsync(context);
            Record(null, StatusCodes.Status429TooManyRequests);
            return;
        }

        ReplayableBody? body = null;
        // Only a request that carries a body (Content-Length or chunked) gets one buffered: never a GET.
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            try
            {
                body = await ReplayableBody.ReadAsync(context.Request, maxRequestBodyBytes, context.RequestAborted);
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException or BadHttpRequestException)
            {
                await AnswerUnreadableBodyAsync(context, exception);
                return;
            }

            if (body is null)
            {
                await Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
                        detail: $"The gateway accepts bodies of at most {maxRequestBodyBytes} bytes.")
                    .ExecuteAsync(context);
                Record(null, StatusCodes.Status413PayloadTooLarge);
                return;
            }
        }

        var request = new ForwardedRequest(failover, body);
        var primary = await failover.Primary.Address.GetAsync(context.RequestAborted);
        var error = await forwarder.SendAsync(context, primary, request, requestConfig, transformer);
        if (error != ForwarderError.None)
        {
            await AnswerErrorAsync(context, error);
            return;
        }

        var servedBy = context.Response.Headers[ReplicationHeaders.ServedBy];
        Record(servedBy.Count > 0 ? servedBy[0] : null, context.Response.StatusCode);
        if (request.UpstreamTime > TimeSpan.Zero)
        {
            addedLatency.Record(Stopwatch.GetElapsedTime(started), request.UpstreamTime);
        }
    }

    /// <summary>Every response the gateway sends moves its failover state on, and is counted.</summary>
    private void Record(string? servedBy, int statusCode)
    {
        status.Observe(servedBy, statusCode);
        telemetry.CountResponse(servedBy, statusCode);
    }

    private static async Task AnswerUnreadableBodyAsync(HttpContext context, Exception exception)
    {
        // A client that went away gets nothing; a malformed body (e.g. broken chunking) is the client's error.
        if (context.RequestAborted.IsCancellationRequested || context.Response.HasStarted)
        {
            return;
        }

        await Results.Problem(statusCode: exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest,
                title: "Unreadable request body", detail: "The request body could not be read.")
            .ExecuteAsync(context);
    }

    private async Task AnswerErrorAsync(HttpContext context, ForwarderError error)
    {
        // YARP's own log of these is off (its Warning carries a stack trace per request, tens of megabytes in an outage):
        // each is logged here in one line. A client that went away, or sent a broken body, gets YARP's answer (if any).
        var message = context.GetForwarderErrorFeature()?.Exception?.Message;
        if (context.RequestAborted.IsCancellationRequested || error is ForwarderError.RequestBodyClient or ForwarderError.RequestBodyCanceled)
        {
            LogEndedByClient(logger, context.Request.Method, context.Request.Path, error, message);
            return;
        }

        // A service that failed after the answer began (past the read-ahead): the client gets a cut answer.
        if (context.Response.HasStarted)
        {
            LogFailedWhileAnswering(logger, context.Request.Method, context.Request.Path, error, message);
            return;
        }

        // Transport errors, attempt and total timeouts, open circuits: no service could answer.
        LogNoServiceAnswered(logger, context.Request.Method, context.Request.Path, error, message);
        Record(null, StatusCodes.Status503ServiceUnavailable);
        context.Response.Clear();
        context.Response.Headers.RetryAfter = "1";
        await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "No service available",
                detail: "Neither service could answer the request. Retry shortly.")
            .ExecuteAsync(context);
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "No service answered {Method} {Path}: {Error} {Message}")]
    private static partial void LogNoServiceAnswered(ILogger logger, string method, PathString path, ForwarderError error, string? message);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "The client ended {Method} {Path}: {Error} {Message}")]
    private static partial void LogEndedByClient(ILogger logger, string method, PathString path, ForwarderError error, string? message);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "The answer to {Method} {Path} failed after it began: {Error} {Message}")]
    private static partial void LogFailedWhileAnswering(ILogger logger, string method, PathString path, ForwarderError error, string? message);
}
