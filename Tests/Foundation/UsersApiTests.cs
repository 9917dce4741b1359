using System.Net.Http.Json;
using Replication.Tests.Kit;

namespace Replication.Tests.Foundation;

[Collection(SharedGraph.Name)]
public sealed class UsersApiTests(GraphFixture graph)
{
    [Fact]
    public async Task CreateReturns201WithLocationBodyAndHeaders()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var email = UsersApiClient.UniqueEmail();
        using var response = await graph.Gateway.PostUserAsync("Ada", email, cancellationToken: cancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var user = await response.Content.ReadFromJsonAsync<UserResponse>(cancellationToken);
        Assert.NotNull(user);
        Assert.Equal(("Ada", email), (user.Name, user.Email));
        Assert.Equal($"/users/{user.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal("primaryservice", response.Header("X-Served-By"));
        Assert.NotNull(response.Header("X-Consistency-Token"));
    }

    [Theory]
    [InlineData("""{"name":"","email":"a@example.com"}""", "name")]
    [InlineData("""{"name":"Ada","email":"not-an-email"}""", "email")]
    [InlineData("""{"email":"a@example.com"}""", "name")]
    [InlineData("""{"name":"Ada"}""", "email")]
    [InlineData("""{"name":"Ada","email":"a@example.com","admin":true}""", "admin")]
    [InlineData("""{"name":42,"email":"a@example.com"}""", "name")]
    [InlineData("""{"name":"Ada","email":"a@example.com\u0000"}""", "email")]
    [InlineData("""{"name":"Ada","email":"a@example.com""", "body")]
    [InlineData("""["Ada","a@example.com"]""", "body")]
    public async Task InvalidInputGets400ProblemAndWritesNothing(string body, string field)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var before = await graph.Database.CountWrittenRowsAsync(cancellationToken);

        using var response = await graph.Gateway.PostRawAsync(body, cancellationToken: cancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"\"{field}\"", await response.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
        Assert.Equal(before, await graph.Database.CountWrittenRowsAsync(cancellationToken));
    }

    [Fact]
    public async Task NameLongerThan200CharactersIsRejected()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var accepted = await graph.Gateway.PostUserAsync(new string('a', 200), UsersApiClient.UniqueEmail(), cancellationToken: cancellationToken);
        using var rejected = await graph.Gateway.PostUserAsync(new string('a', 201), UsersApiClient.UniqueEmail(), cancellationToken: cancellationToken);

        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
    }

    [Fact]
    public async Task DuplicateEmailGets409AndWritesNothing()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var email = UsersApiClient.UniqueEmail();
        using var first = await graph.Gateway.PostUserAsync("Ada", email, cancellationToken: cancellationToken);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var before = await graph.Database.CountWrittenRowsAsync(cancellationToken);

        using var duplicate = await graph.Gateway.PostUserAsync("Another Ada", email.ToUpperInvariant(), cancellationToken: cancellationToken);

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("application/problem+json", duplicate.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await graph.Database.CountWrittenRowsAsync(cancellationToken));
    }

    [Fact]
    public async Task MissingUserGets404Problem()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var response = await graph.Gateway.GetAsync($"/users/{long.MaxValue}", cancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PagesComeInIdOrder()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var created = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await graph.Gateway.CreateUserAsync($"Pager {i}", cancellationToken)).Id);
        }

        // Reads come from replicas; the primary's own copy decides when all five are visible there.
        foreach (var replica in new[] { "pg-1", "pg-2" })
        {
            Assert.True(await graph.Database.WaitForUserAsync(replica, created[^1], TimeSpan.FromSeconds(10), cancellationToken: cancellationToken));
        }

        var seen = new List<long>();
        string? next = $"/users?after={created[0] - 1}&limit=2";
        while (next is not null && seen.Count < 5)
        {
            var page = await graph.Gateway.GetFromJsonAsync<PageResponse>(next, cancellationToken);
            Assert.NotNull(page);
            Assert.True(page.Items.Count <= 2);
            seen.AddRange(page.Items.Select(user => user.Id));
            next = page.Next;
        }

        Assert.Equal(created, seen.Take(5));
        Assert.Equal(seen.Order(), seen);
    }

    [Theory]
    [InlineData("/users?limit=0")]
    [InlineData("/users?limit=101")]
    [InlineData("/users?after=-1")]
    [InlineData("/users?limit=abc")]
    [InlineData("/users/abc")]
    [InlineData("/users/-5")]
    [InlineData("/users/99999999999999999999999")]
    public async Task InvalidReadParametersGet400Problem(string path)
    {
        using var response = await graph.Gateway.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private sealed record PageResponse(IReadOnlyList<UserResponse> Items, string? Next);
}
