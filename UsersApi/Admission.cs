using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Replication.ServiceDefaults;

namespace Replication.UsersApi;

/// <summary>
/// How much work a service takes on at once: ASP.NET Core's concurrency limiter on the users endpoints, writes and reads
/// each with their own limit and a queue; past them, an immediate 503 with Retry-After. The health endpoints are never
/// limited.
/// </summary>
/// <remarks>
/// Without it, 256 writes at once on 2 cores collapsed (docs/gateway-performance-notes.md): the pool opened connections
/// up to its default 100, more than PostgreSQL's slots left for the role (53300), and Npgsql then took the primary for
/// down and failed every write for a second ("No suitable host was found"); transactions starved of CPU between two
/// statements outlived <c>idle_in_transaction_session_timeout</c> and were ended by the server. The limits keep the
/// work in flight to what the database and the CPU can finish, and the pools below the server's slots.
/// </remarks>
internal static class Admission
{
    public const string Writes = "writes";
    public const string Reads = "reads";

    /// <summary>Connections each service's pool may open to one node: two services stay below max_connections (100).</summary>
    public const int MaxPoolSize = 40;

    public static IServiceCollection AddAdmission(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection(AdmissionOptions.SectionName).Get<AdmissionOptions>() ?? new AdmissionOptions();
        return services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            limiter.OnRejected = (rejected, cancellationToken) => new ValueTask(Busy.WriteAsync(rejected.HttpContext, cancellationToken));
            limiter.AddConcurrencyLimiter(Writes, options => Limit(options, settings.ConcurrentWrites, settings.QueuedWrites));
            limiter.AddConcurrencyLimiter(Reads, options => Limit(options, settings.ConcurrentReads, settings.QueuedReads));
        });
    }

    private static readonly Refusal Busy = new(StatusCodes.Status503ServiceUnavailable, "Service busy",
        "The service is at its limit of requests in progress. Retry after a second.");

    private static void Limit(ConcurrencyLimiterOptions options, int permits, int queued)
    {
        options.PermitLimit = permits;
        options.QueueLimit = queued;
        options.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
    }
}

/// <summary>The <c>UsersApi:Admission</c> settings: requests in progress at once, and waiting, per kind.</summary>
public sealed class AdmissionOptions
{
    public const string SectionName = "UsersApi:Admission";

    /// <summary>Writes in progress at once: each holds a primary connection for its transaction.</summary>
    public int ConcurrentWrites { get; set; } = 24;

    public int QueuedWrites { get; set; } = 48;

    /// <summary>
    /// Reads in progress at once. With the queue, more than the gateway forwards at once (128), so a burst the gateway
    /// admits is not refused by the service it goes to.
    /// </summary>
    public int ConcurrentReads { get; set; } = 64;

    public int QueuedReads { get; set; } = 128;
}
