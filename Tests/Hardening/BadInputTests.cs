using System.Text;
using Replication.Tests.Kit;

namespace Replication.Tests.Hardening;

/// <summary>Every kind of bad input, through the gateway: a 4xx problem+json that says what is wrong, and nothing written.</summary>
[Collection(SharedGraph.Name)]
public sealed class BadInputTests(GraphFixture graph)
{
    private const string Json = "application/json";

    public static TheoryData<string, string, string, string?, string?, int> Cases => new()
    {
        // description, method, path, content type, body, expected status
        { "text body", "POST", "/users", "text/plain", """{"name":"Ada","email":"a@example.com"}""", 415 },
        { "form body", "POST", "/users", "application/x-www-form-urlencoded", "name=Ada&email=a@example.com", 415 },
        { "no body", "POST", "/users", Json, "", 400 },
        { "broken JSON", "POST", "/users", Json, """{"name":"Ada",""", 400 },
        { "JSON array", "POST", "/users", Json, """[{"name":"Ada"}]""", 400 },
        { "JSON string", "POST", "/users", Json, "\"Ada\"", 400 },
        { "name is a number", "POST", "/users", Json, """{"name":1,"email":"a@example.com"}""", 400 },
        { "email is null", "POST", "/users", Json, """{"name":"Ada","email":null}""", 400 },
        { "missing email", "POST", "/users", Json, """{"name":"Ada"}""", 400 },
        { "extra field", "POST", "/users", Json, """{"name":"Ada","email":"a@example.com","role":"admin"}""", 400 },
        { "field twice", "POST", "/users", Json, """{"name":"Ada","name":"Eve","email":"a@example.com"}""", 400 },
        { "blank name", "POST", "/users", Json, """{"name":"   ","email":"a@example.com"}""", 400 },
        { "name of 201 characters", "POST", "/users", Json, $$"""{"name":"{{new string('n', 201)}}","email":"a@example.com"}""", 400 },
        { "control character in name", "POST", "/users", Json, """{"name":"A\u0007da","email":"a@example.com"}""", 400 },
        { "email without domain dot", "POST", "/users", Json, """{"name":"Ada","email":"ada@localhost"}""", 400 },
        { "email with space", "POST", "/users", Json, """{"name":"Ada","email":"a da@example.com"}""", 400 },
        { "email with display name", "POST", "/users", Json, """{"name":"Ada","email":"Ada <a@example.com>"}""", 400 },
        { "email of 321 characters", "POST", "/users", Json, $$"""{"name":"Ada","email":"{{new string('e', 60)}}@{{new string('d', 256)}}.com"}""", 400 },
        { "body over the service's 16 KiB", "POST", "/users", Json, $$"""{"name":"Ada","email":"a@example.com","pad":"{{new string('p', 20_000)}}"}""", 413 },
        { "body over the gateway's 1 MiB", "POST", "/users", Json, $$"""{"name":"{{new string('p', 1_100_000)}}"}""", 413 },
        { "id not a number", "GET", "/users/abc", null, null, 400 },
        { "negative id", "GET", "/users/-1", null, null, 400 },
        { "zero id", "GET", "/users/0", null, null, 400 },
        { "id beyond 64 bits", "GET", "/users/99999999999999999999", null, null, 400 },
        { "unknown id", "GET", "/users/9223372036854775807", null, null, 404 },
        { "limit 0", "GET", "/users?limit=0", null, null, 400 },
        { "limit 101", "GET", "/users?limit=101", null, null, 400 },
        { "limit not a number", "GET", "/users?limit=ten", null, null, 400 },
        { "limit fractional", "GET", "/users?limit=1.5", null, null, 400 },
        { "limit twice", "GET", "/users?limit=1&limit=2", null, null, 400 },
        { "negative after", "GET", "/users?after=-5", null, null, 400 },
        { "DELETE", "DELETE", "/users/1", null, null, 405 },
        { "PUT", "PUT", "/users", Json, "{}", 405 },
        { "PATCH", "PATCH", "/users/1", Json, "{}", 405 },
        { "unknown route", "GET", "/admin", null, null, 404 },
        { "fault hook is not forwarded", "GET", "/_faults", null, null, 404 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadRequestGets4xxProblemAndWritesNothing(string description, string method, string path, string? contentType, string? body, int expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        await AssertRejectedAsync(description, request, expected);
    }

    [Theory]
    [InlineData("201-character key", 201, 'k')]
    [InlineData("key with spaces inside", 8, ' ')]
    [InlineData("key with a tab inside", 8, '\t')]
    public async Task AbsurdIdempotencyKeyGets400(string description, int length, char filler)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/users")
        {
            Content = new StringContent($$"""{"name":"Ada","email":"{{UsersApiClient.UniqueEmail()}}"}""", Encoding.UTF8, Json),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", "k" + new string(filler, length - 2) + "k");

        await AssertRejectedAsync(description, request, 400);
    }

    [Theory]
    [InlineData("not-an-lsn")]
    [InlineData("1/2/3")]
    [InlineData("0/12345678901234567890")]
    public async Task MalformedConsistencyTokenGets400(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/users?limit=1");
        request.Headers.TryAddWithoutValidation("X-Consistency-Token", token);

        await AssertRejectedAsync($"token {token}", request, 400);
    }

    [Fact]
    public async Task SameIdempotencyKeyWithAnotherBodyGets422AndWritesNothingMore()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var key = Guid.NewGuid().ToString("N");
        using var first = await graph.Gateway.PostUserAsync("Ada", UsersApiClient.UniqueEmail(), key, cancellationToken);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/users")
        {
            Content = new StringContent($$"""{"name":"Eve","email":"{{UsersApiClient.UniqueEmail()}}"}""", Encoding.UTF8, Json),
        };
        request.Headers.Add("Idempotency-Key", key);
        await AssertRejectedAsync("key reused with another body", request, 422);
    }

    [Fact]
    public async Task SameIdempotencyKeyWithTheSameBodyReplaysTheFirstResponse()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var key = Guid.NewGuid().ToString("N");
        var email = UsersApiClient.UniqueEmail();
        using var first = await graph.Gateway.PostUserAsync("Ada", email, key, cancellationToken);
        var before = await graph.Database.CountWrittenRowsAsync(cancellationToken);

        using var again = await graph.Gateway.PostUserAsync("Ada", email, key, cancellationToken);

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(cancellationToken), await again.Content.ReadAsStringAsync(cancellationToken));
        Assert.Equal(before, await graph.Database.CountWrittenRowsAsync(cancellationToken));
    }

    [Fact]
    public async Task InjectionStringsAreStoredAsData()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        const string name = "Robert'); DROP TABLE users; -- \" OR 1=1 /* $$ \\x00";
        var email = $"o'reilly-{Guid.NewGuid():N}@example.com";

        using var created = await graph.Gateway.PostUserAsync(name, email, cancellationToken: cancellationToken);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var primary = await graph.Database.FindPrimaryAsync(cancellationToken);

        var stored = await graph.Database.QueryAsync<string>(primary, "SELECT name FROM users WHERE email = @email", cancellationToken, ("email", email));
        Assert.Equal(name, stored);
        Assert.True(await graph.Database.CountUsersAsync(primary, cancellationToken) > 0, "The users table is gone.");
    }

    private async Task AssertRejectedAsync(string description, HttpRequestMessage request, int expected)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var before = await graph.Database.CountWrittenRowsAsync(cancellationToken);

        using var response = await graph.Gateway.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);

        Assert.True((int)response.StatusCode == expected, $"{description}: expected {expected}, got {(int)response.StatusCode}: {body}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{description}: not problem+json: {body}");
        // No user row and no idempotency record: the gateway gives every write a key, so a record would betray a partial write.
        Assert.Equal(before, await graph.Database.CountWrittenRowsAsync(cancellationToken));
    }
}
