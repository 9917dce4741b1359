using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Replication.UsersApi;

/// <summary>
/// What the framework checks before a users endpoint runs, and how the answers are worded: bodies of at most 16 KiB
/// (Kestrel), strict JSON (System.Text.Json), and the rules on <see cref="CreateUserRequest"/> (minimal APIs'
/// validation). Every failure is a problem+json; an invalid user names each field at fault.
/// </summary>
internal static class RequestRules
{
    public const int MaxBodyBytes = 16 * 1024;

    public static IServiceCollection AddRequestRules(this IServiceCollection services)
    {
        services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = MaxBodyBytes);
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNameCaseInsensitive = false;
            json.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            json.SerializerOptions.AllowDuplicateProperties = false;
            json.SerializerOptions.RespectNullableAnnotations = true;
        });

        // Without this, a body that System.Text.Json rejects gets an empty 400 that does not say why.
        services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestBodyHandler>();
        services.AddValidation();
        services.AddProblemDetails(problems => problems.CustomizeProblemDetails = Word);
        return services;
    }

    /// <summary>
    /// Whether the request went to an endpoint whose body is a <see cref="CreateUserRequest"/>; the exception handler
    /// clears the endpoint, and keeps it in its feature.
    /// </summary>
    public static bool CreatesUser(HttpContext context) =>
        (context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint)
        ?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType == typeof(CreateUserRequest);

    private static void Word(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        switch (problem.Status)
        {
            case StatusCodes.Status413PayloadTooLarge:
                (problem.Title, problem.Detail) = ("Request body too large", $"The body must be at most {MaxBodyBytes} bytes.");
                break;
            case StatusCodes.Status415UnsupportedMediaType:
                (problem.Title, problem.Detail) = ("Unsupported media type", "Send the body as application/json.");
                break;
            case StatusCodes.Status400BadRequest when problem is HttpValidationProblemDetails invalid && CreatesUser(context.HttpContext):
                problem.Title = "The user is not valid";
                if (context.Exception is null)
                {
                    // From minimal APIs' validation, which keys by C# name ("Name"); the client knows the JSON name. A
                    // DictionaryKeyPolicy would also rename what BadRequestBodyHandler reports, such as an unknown "Name".
                    invalid.Errors = invalid.Errors.ToDictionary(error => JsonNamingPolicy.CamelCase.ConvertName(error.Key), error => error.Value);
                }

                break;
        }
    }
}
