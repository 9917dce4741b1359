using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Replication.UsersApi;

/// <summary>
/// Turns database exceptions into answers: "the database cannot be reached right now" into 503 + Retry-After
/// (never a 500), so clients and the gateway know the request may be retried; a consistency token that was never
/// issued into 400.
/// </summary>
internal sealed class DatabaseExceptionHandler(IProblemDetailsService problemDetails, ILogger<DatabaseExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is ConsistencyTokenAheadException)
        {
            httpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
            return await problemDetails.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = { Status = 400, Title = "Invalid X-Consistency-Token", Detail = exception.Message },
            });
        }

        if (!DatabaseRetries.IsRetryable(exception))
        {
            return false;
        }

        logger.LogWarning("Database unavailable for {Method} {Path}: {Message}",
            httpContext.Request.Method, httpContext.Request.Path, exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "1";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Database unavailable",
                Detail = "The database could not be reached. Retry shortly.",
            },
        });
    }
}
