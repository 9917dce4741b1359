using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using NpgsqlTypes;
using Replication.Contracts;
using Replication.ServiceDefaults;

namespace Replication.UsersApi;

/// <summary>The HTTP API from DESIGN.md, identical on primaryservice and backupservice.</summary>
public static class UserEndpoints
{
    public const int MaxIdempotencyKeyLength = 200;
    public const int MaxPageSize = 100;
    public const int DefaultPageSize = 50;

    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var users = endpoints.MapGroup("/users");
        users.MapPost("", CreateAsync).RequireRateLimiting(Admission.Writes);
        users.MapGet("{id}", GetAsync).RequireRateLimiting(Admission.Reads);
        users.MapGet("", ListAsync).RequireRateLimiting(Admission.Reads);
        return endpoints;
    }

    private static string LocationOf(User user) => $"/users/{user.Id}";

    /// <summary>
    /// The body is bound and checked by the framework before this runs (<see cref="RequestRules"/>): not JSON is 415,
    /// over 16 KiB 413, an invalid user 400.
    /// </summary>
    private static async Task<IResult> CreateAsync(
        CreateUserRequest createRequest, HttpRequest request, UserStore store, CancellationToken cancellationToken)
    {
        var idempotencyKey = request.Headers[ReplicationHeaders.IdempotencyKey].ToString();
        if (request.Headers[ReplicationHeaders.IdempotencyKey].Count > 1 || !IsValidIdempotencyKey(idempotencyKey))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid Idempotency-Key",
                $"The key must be 1 to {MaxIdempotencyKeyLength} visible ASCII characters, sent once.");
        }

        var result = await store.CreateAsync(createRequest, idempotencyKey.Length == 0 ? null : idempotencyKey, cancellationToken);
        switch (result)
        {
            case CreateResult.Created(var user, var position):
                request.HttpContext.Response.Headers[ReplicationHeaders.ConsistencyToken] = position;
                return TypedResults.Created(LocationOf(user), user);
            case CreateResult.Replayed(var user, var position):
                request.HttpContext.Response.Headers[ReplicationHeaders.ConsistencyToken] = position;
                request.HttpContext.Response.Headers[ReplicationHeaders.IdempotentReplayed] = "true";
                return TypedResults.Created(LocationOf(user), user);
            case CreateResult.NotConfirmed:
                request.HttpContext.Response.Headers.RetryAfter = "1";
                return Problem(StatusCodes.Status503ServiceUnavailable, "Write not confirmed",
                    "The write may have been stored, but it is not yet on the synchronous standbys, so it is not acknowledged. " +
                    "Retry with the same Idempotency-Key.");
            case CreateResult.DuplicateEmail:
                return Problem(StatusCodes.Status409Conflict, "Email already registered",
                    "A user with this email already exists.");
            default:
                return Problem(StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused",
                    "This Idempotency-Key was already used with a different body.");
        }
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, UserStore store, CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var userId) || userId < 1)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid id", "The id must be a positive 64-bit integer.");
        }

        if (!TryReadConsistencyToken(context.Request, out var seen, out var invalidToken))
        {
            return invalidToken;
        }

        var (user, node) = await store.FindAsync(userId, seen, cancellationToken);
        context.Response.Headers[ReplicationHeaders.ReadFrom] = node;
        return user is null
            ? Problem(StatusCodes.Status404NotFound, "User not found", $"No user has id {userId}.")
            : TypedResults.Ok(user);
    }

    private static async Task<IResult> ListAsync(HttpContext context, UserStore store, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var errors = new Dictionary<string, string[]>();
        var after = ReadQueryNumber(query, "after", 0, 0, long.MaxValue, errors);
        var limit = (int)ReadQueryNumber(query, "limit", DefaultPageSize, 1, MaxPageSize, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid paging parameters");
        }

        if (!TryReadConsistencyToken(context.Request, out var seen, out var invalidToken))
        {
            return invalidToken;
        }

        var (users, node) = await store.ListAsync(after, limit, seen, cancellationToken);
        context.Response.Headers[ReplicationHeaders.ReadFrom] = node;
        var next = users.Count == limit ? $"/users?after={users[^1].Id}&limit={limit}" : null;
        return TypedResults.Ok(new UserPage(users, next));
    }

    private static long ReadQueryNumber(
        IQueryCollection query, string name, long defaultValue, long min, long max, Dictionary<string, string[]> errors)
    {
        if (!query.TryGetValue(name, out var values))
        {
            return defaultValue;
        }

        if (values.Count == 1
            && long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            && value >= min && value <= max)
        {
            return value;
        }

        errors[name] = [$"Must be a single integer from {min} to {max}."];
        return defaultValue;
    }

    private static bool TryReadConsistencyToken(HttpRequest request, out ConsistencyToken? token, out IResult problem)
    {
        token = null;
        problem = Results.Empty;
        var values = request.Headers[ReplicationHeaders.ConsistencyToken];
        if (values.Count == 0)
        {
            return true;
        }

        if (values.Count == 1 && ConsistencyToken.TryParse(values[0], out var parsed))
        {
            token = parsed;
            return true;
        }

        problem = Problem(StatusCodes.Status400BadRequest, "Invalid X-Consistency-Token",
            "Send back the X-Consistency-Token of a write, unchanged (e.g. 2:0/3000148), once.");
        return false;
    }

    private static bool IsValidIdempotencyKey(string key) =>
        key.Length <= MaxIdempotencyKeyLength && key.All(c => c is > ' ' and <= '~');

    internal static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
