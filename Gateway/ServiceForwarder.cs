using System.Diagnostics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Replication.Contracts;
using Yarp.ReverseProxy.Forwarder;

namespace Replication.Gateway;

/// <summary>
/// Forwards one client request with YARP's <see cref="IHttpForwarder"/> through the forwarding client's handler
/// pipeline (<see cref="ReplayingInvoker"/>), which decides which service answers. Everything per request that can be
/// made once (invoker, transformer, request settings) is made once, here.
/// </summary>
public sealed class ServiceForwarder : IDisposable
{
    public const string ClientName = "services";

    private readonly IHttpForwarder forwarder;
    private readonly HttpMessageInvoker invoker;
    private readonly HttpTransformer transformer;
    private readonly GatewayTelemetry telemetry;
    private readonly AddedLatencyMeter addedLatency;
    private readonly LoadShedding loadShedding;
    private readonly ILogger<ServiceForwarder> logger;
    private readonly string destinationPrefix;

    // HTTP/1.1 to the services, as they serve it; the pipeline's total timeout governs, this only guards against a pipeline bug.
    private readonly ForwarderRequestConfig requestConfig = new()
    {
        Version = System.Net.HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        ActivityTimeout = TimeSpan.FromMinutes(1),
    };

    public ServiceForwarder(
        IHttpForwarder forwarder, IHttpMessageHandlerFactory handlers, IOptions<GatewayOptions> options, GatewayTelemetry telemetry,
        AddedLatencyMeter addedLatency, LoadShedding loadShedding, ILogger<ServiceForwarder> logger)
    {
        this.loadShedding = loadShedding;
        this.forwarder = forwarder;
        this.telemetry = telemetry;
        this.addedLatency = addedLatency;
        this.logger = logger;
        // The first attempt goes to the primary service; a hedge is addressed to the backup (HedgedRequest).
        destinationPrefix = options.Value.PrimaryService.GetLeftPart(UriPartial.Authority);
        invoker = new ReplayingInvoker(handlers.CreateHandler(ClientName));
        transformer = new GatewayTransformer(options);
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
            await loadShedding.RejectAsync(context);
            return;
        }

        var upstream = new UpstreamTiming();
        context.Features.Set(upstream);
        var error = await forwarder.SendAsync(context, destinationPrefix, invoker, requestConfig, transformer);
        if (error != ForwarderError.None)
        {
            await AnswerErrorAsync(context, error);
            return;
        }

        var servedBy = context.Response.Headers[ReplicationHeaders.ServedBy];
        telemetry.RecordResponse(servedBy.Count > 0 ? servedBy[0] : null, context.Response.StatusCode);
        if (upstream.Elapsed > TimeSpan.Zero)
        {
            addedLatency.Record(Stopwatch.GetElapsedTime(started), upstream.Elapsed);
        }
    }

    public void Dispose() => invoker.Dispose();

    private async Task AnswerErrorAsync(HttpContext context, ForwarderError error)
    {
        // A client that went away, or sent a broken body, gets YARP's answer (if any); the response may have started.
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested
            || error is ForwarderError.RequestBodyClient or ForwarderError.RequestBodyCanceled)
        {
            return;
        }

        // Transport errors, attempt and total timeouts, open circuits: no service could answer.
        logger.LogWarning("No service answered {Method} {Path}: {Error} {Message}",
            context.Request.Method, context.Request.Path, error, context.GetForwarderErrorFeature()?.Exception?.Message);
        telemetry.RecordResponse(null, StatusCodes.Status503ServiceUnavailable);
        context.Response.Clear();
        context.Response.Headers.RetryAfter = "1";
        await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "No service available",
                detail: "Neither service could answer the request. Retry shortly.")
            .ExecuteAsync(context);
    }
}
