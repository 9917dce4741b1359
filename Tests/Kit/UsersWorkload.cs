using System.Net.Http.Json;

namespace Replication.Tests.Kit;

/// <summary>
/// The users API as the kit's workload: a write creates a user whose email is the key at <c>example.com</c>, a read lists
/// users, and the final read selects the emails straight from the node that is primary now, in the graph as it runs
/// then (<paramref name="database"/> is asked at the final read: a graph restarted since has other nodes' addresses).
/// </summary>
public sealed class UsersWorkload(HttpClient gateway, Func<ReplicaSetProbe> database) : HttpWorkload(gateway)
{
    private const string EmailDomain = "@example.com";

    public override string Primary => ResourceNames.PrimaryService;

    public override string Backup => ResourceNames.BackupService;

    public override HttpRequestMessage CreateRead() => new(HttpMethod.Get, "/users?limit=5");

    public override HttpRequestMessage CreateWrite(string key, bool idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/users") { Content = JsonContent.Create(new { name = "Workload", email = key + EmailDomain }) };
        if (idempotencyKey)
        {
            request.Headers.Add(ReplicationHeaders.IdempotencyKey, key);
        }

        return request;
    }

    /// <summary>A 2xx acknowledges a write only with the user it created: a body a client cannot read is no acknowledgement.</summary>
    public override async Task<bool> AcknowledgesAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<UserResponse>(cancellationToken) is { Id: > 0 };

    public override bool CanReadBack => true;

    public override string? SessionToken(HttpResponseMessage response) => response.Header(ReplicationHeaders.ConsistencyToken);

    public override HttpRequestMessage CreateReadOf(Uri location, string? sessionToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, location);
        if (sessionToken is not null)
        {
            request.Headers.Add(ReplicationHeaders.ConsistencyToken, sessionToken);
        }

        return request;
    }

    /// <summary>The key is the user's email without the domain.</summary>
    public override async Task<string?> ReadKeyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var email = (await response.Content.ReadFromJsonAsync<UserResponse>(cancellationToken))?.Email
            ?? throw new System.Text.Json.JsonException("The body holds no user.");
        return email.EndsWith(EmailDomain, StringComparison.Ordinal) ? email[..^EmailDomain.Length] : email;
    }

    public override string? ServedBy(HttpResponseMessage response) => response.Header(ReplicationHeaders.ServedBy);

    public override bool? Replayed(HttpResponseMessage response) => response.Header(ReplicationHeaders.IdempotentReplayed) == "true";

    public override string? ReadFrom(HttpResponseMessage response) => response.Header(ReplicationHeaders.ReadFrom);

    public override async Task<IReadOnlyCollection<string>> StoredKeysAsync(string prefix, CancellationToken cancellationToken)
    {
        var current = database();
        var primary = await current.FindPrimaryAsync(cancellationToken);
        var emails = await current.EmailsAsync(primary, prefix, cancellationToken);
        return [.. emails.Where(email => email.EndsWith(EmailDomain, StringComparison.Ordinal)).Select(email => email[..^EmailDomain.Length])];
    }
}
