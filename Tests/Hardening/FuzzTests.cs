using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Replication.Tests.Kit;

namespace Replication.Tests.Hardening;

/// <summary>Thousands of generated POST /users bodies: never a 5xx, and exactly the accepted ones stored.</summary>
[Collection(SharedGraph.Name)]
public sealed class FuzzTests(GraphFixture graph)
{
    private const int Bodies = 2000;
    private static readonly string[] Fragments =
    [
        "", " ", "\u0000", "\u0007", "\n", "\u2028", "é", "💥", "'", "\"", "\\", "<", ">", "@", "@@", ".", "..", "-", "a", "Ada",
        "example.com", "%00", "'; DROP TABLE users; --", "{", "}", "[", "]", "null", "true", "1e309", "\ud800",
    ];

    [Fact]
    public async Task RandomBodiesNeverGet5xx_AndTheStoredRowsAreExactlyTheAcceptedOnes()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var marker = $"fuzz{Guid.NewGuid():N}"[..16];
        var statuses = new ConcurrentDictionary<int, int>();
        var serverErrors = new ConcurrentBag<string>();

        await Parallel.ForAsync(0, Bodies, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (index, token) =>
        {
            var body = Generate(new Random(index), marker, index);
            using var response = await graph.Gateway.PostRawAsync(body, cancellationToken: token);
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, count) => count + 1);
            if ((int)response.StatusCode >= 500)
            {
                serverErrors.Add($"{(int)response.StatusCode} for {body[..Math.Min(body.Length, 200)]}");
            }
        });

        var accepted = statuses.GetValueOrDefault(201);
        var primary = await graph.Database.FindPrimaryAsync(cancellationToken);
        var stored = await graph.Database.QueryAsync<long>(primary, "SELECT count(*) FROM users WHERE email LIKE @marker",
            cancellationToken, ("marker", $"%{marker}%"));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Bodies} bodies: {string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}; {stored} rows stored");

        Assert.Empty(serverErrors);
        Assert.True(accepted > 100 && accepted < Bodies, $"The generator should mix valid and invalid bodies; {accepted} were accepted.");
        Assert.Equal(accepted, stored);
    }

    /// <summary>A body that is valid about a third of the time, and otherwise wrong in one or several ways.</summary>
    private static string Generate(Random random, string marker, int index)
    {
        string Text(int maxFragments) => string.Concat(Enumerable.Range(0, random.Next(maxFragments + 1)).Select(_ => Fragments[random.Next(Fragments.Length)]));
        var email = random.Next(3) switch
        {
            0 => $"{marker}-{index}@example.com",
            1 => $"{Text(3)}{marker}{index}@{Text(2)}",
            _ => Text(6),
        };
        var name = random.Next(4) switch
        {
            0 => new string('n', random.Next(180, 230)),
            1 => Text(8),
            _ => "Fuzz " + index,
        };

        return random.Next(10) switch
        {
            0 => Text(10), // not JSON at all, or JSON of the wrong shape
            1 => JsonSerializer.Serialize(new { name, email, extra = Text(3) }),
            2 => JsonSerializer.Serialize(new { name = random.Next(), email }),
            3 => JsonSerializer.Serialize(new { email }),
            4 => $"{{\"name\":\"{name}\",\"email\":\"{email}\"}}", // unescaped: often invalid JSON
            _ => JsonSerializer.Serialize(new { name, email }),
        };
    }
}
