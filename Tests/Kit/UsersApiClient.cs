using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Replication.Tests.Kit;

public sealed record UserResponse(long Id, string Name, string Email, DateTimeOffset CreatedAt);

/// <summary>Calls of the users API, as a client of the gateway makes them.</summary>
public static class UsersApiClient
{
    public static string UniqueEmail(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}@example.com";

    public static Task<HttpResponseMessage> PostUserAsync(
        this HttpClient client, string name, string email, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        client.PostRawAsync(JsonSerializer.Serialize(new { name, email }), idempotencyKey, cancellationToken: cancellationToken);

    public static Task<HttpResponseMessage> PostRawAsync(
        this HttpClient client, string body, string? idempotencyKey = null, string contentType = "application/json",
        CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/users")
        {
            Content = new StringContent(body, Encoding.UTF8, contentType),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add(ReplicationHeaders.IdempotencyKey, idempotencyKey);
        }

        return client.SendAsync(request, cancellationToken);
    }

    /// <summary>Creates a user and returns it; fails the test unless the API answers 201.</summary>
    public static async Task<UserResponse> CreateUserAsync(this HttpClient client, string name = "Ada Lovelace", CancellationToken cancellationToken = default)
    {
        using var response = await client.PostUserAsync(name, UniqueEmail(), cancellationToken: cancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created,
            $"POST /users answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        return (await response.Content.ReadFromJsonAsync<UserResponse>(cancellationToken))!;
    }

    public static string? Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
