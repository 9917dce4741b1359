using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using ProblemDetails = Microsoft.AspNetCore.Mvc.ProblemDetails;

namespace Replication.UsersApi;

/// <summary>
/// Answers a body that minimal APIs could not bind (<see cref="BadHttpRequestException"/>) with a problem+json. For
/// <c>POST /users</c> it is a validation problem keyed like a broken rule, by the field at fault in System.Text.Json's
/// <see cref="JsonException.Path"/>, or by <c>body</c> when the body as a whole is wrong.
/// </summary>
internal sealed class BadRequestBodyHandler(IProblemDetailsService problemDetails, IOptions<JsonOptions> json) : IExceptionHandler
{
    private readonly string[] fields = [.. json.Value.SerializerOptions.GetTypeInfo(typeof(CreateUserRequest)).Properties.Select(p => p.Name)];

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var problem = badRequest.StatusCode == StatusCodes.Status400BadRequest && RequestRules.CreatesUser(httpContext)
            ? new HttpValidationProblemDetails(ErrorsOf(badRequest.InnerException as JsonException))
            : new ProblemDetails { Detail = badRequest.Message };
        problem.Status = httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private Dictionary<string, string[]> ErrorsOf(JsonException? exception)
    {
        var field = FieldOf(exception?.Path);
        var (key, message) = (exception, field) switch
        {
            ({ InnerException: JsonException syntax }, _) => ("body", $"The body is not valid JSON: {syntax.Message}"),
            (_, null) => ("body", "The body must be a JSON object."),
            // A number, an object, null, or the field a second time: System.Text.Json does not say which.
            _ when fields.Contains(field) => (field, "Must be a string, sent once."),
            _ => (field, $"Unknown field. Only {string.Join(" and ", fields.Select(name => $"'{name}'"))} are accepted."),
        };
        return new() { [key] = [message] };
    }

    /// <summary>The top-level property in a path such as <c>$.name</c> or <c>$['odd.name']</c>; null for the root.</summary>
    private static string? FieldOf(string? path) => path switch
    {
        ['$', '[', '\'', .. var rest] when rest.IndexOf("']", StringComparison.Ordinal) is var end and >= 0 => rest[..end],
        ['$', '.', .. var rest] => rest.Split('.', '[')[0],
        _ => null,
    };
}
