using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Polly.Retry;

namespace Replication.UsersApi;

/// <summary>
/// Retries around database work while a node dies or a replica is promoted. Reads are always safe to retry; a write
/// only when it carries an idempotency key, because a commit whose acknowledgement was lost would otherwise be
/// applied twice. Each retry drops the pooled connections, so no request fails twice on the dead node's sockets.
/// </summary>
public sealed class DatabaseRetries
{
    private const string ReadOnlyTransaction = "25006";
    private const string IdleInTransactionTimeout = "25P03";

    public DatabaseRetries(UsersDatabase database, ILogger<DatabaseRetries> logger)
    {
        Reads = Build(database, attempts: 3, delay: TimeSpan.FromMilliseconds(50));
        // About two seconds: inside the gateway's attempt timeout, and long enough for a replica to be promoted
        // when the failover is already under way.
        IdempotentWrites = Build(database, attempts: 8, delay: TimeSpan.FromMilliseconds(250));
        // About thirty attempts, logged: the primary may still be starting when a service does. A statement the app role's
        // statement_timeout (5 s) cancelled is tried again here only: the schema migration waits for the other service's,
        // whose commit waits for a synchronous standby while a Sync set is still starting (seen in CI: a service that
        // gave up on that wait died at start).
        Startup = Build(database, attempts: 30, delay: TimeSpan.FromSeconds(1), logger,
            alsoRetry: exception => exception is PostgresException { SqlState: PostgresErrorCodes.QueryCanceled });
    }

    public ResiliencePipeline Reads { get; }

    public ResiliencePipeline IdempotentWrites { get; }

    /// <summary>For work a service does once before it takes traffic, such as the schema migration.</summary>
    public ResiliencePipeline Startup { get; }

    public ResiliencePipeline ForWrite(bool hasIdempotencyKey) => hasIdempotencyKey ? IdempotentWrites : ResiliencePipeline.Empty;

    /// <summary>The database could not be reached, or not the right node: worth a retry, and a 503 if it persists.</summary>
    public static bool IsRetryable(Exception exception) => exception switch
    {
        PostgresException { SqlState: ReadOnlyTransaction } => true, // reached a node that is a standby now
        // The server ended a session whose transaction waited too long between statements: rolled back, never applied.
        PostgresException { SqlState: IdleInTransactionTimeout } => true,
        PostgresException postgres => postgres.IsTransient,
        NpgsqlException => true, // no connection, or no node in the wanted role (e.g. during a promotion)
        TimeoutException => true,
        _ => false,
    };

    private static ResiliencePipeline Build(UsersDatabase database, int attempts, TimeSpan delay, ILogger? logger = null, Func<Exception, bool>? alsoRetry = null) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = attempts,
                Delay = delay,
                BackoffType = DelayBackoffType.Constant,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(exception => IsRetryable(exception) || alsoRetry?.Invoke(exception) == true),
                OnRetry = retry =>
                {
                    database.ClearPools();
                    logger?.LogWarning("Database attempt {Attempt} failed, retrying in {Delay}: {Message}",
                        retry.AttemptNumber + 1, retry.RetryDelay, retry.Outcome.Exception?.Message);
                    return default;
                },
            })
            .Build();
}
