using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>One member of <c>GET /cluster</c>.</summary>
/// <param name="Name">The member's name: the node's (<c>pg-0</c>, …).</param>
/// <param name="Role"><c>leader</c>, <c>sync_standby</c> or <c>replica</c>.</param>
/// <param name="State"><c>running</c>, <c>starting</c>, <c>stopped</c>, <c>creating replica</c>, ….</param>
/// <param name="Timeline">The timeline it runs on; absent while it is down.</param>
/// <param name="Lag">Bytes behind the leader's last reported position (<c>"unknown"</c> while unknown); the leader has none.</param>
internal sealed record PatroniMember(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("timeline")] int? Timeline,
    [property: JsonPropertyName("lag")] JsonElement? Lag)
{
    public const string Leader = "leader";
    public const string SyncStandby = "sync_standby";

    public long? LagBytes => Lag is { ValueKind: JsonValueKind.Number } lag ? lag.GetInt64() : null;

    /// <summary>Whether Patroni, in this <see cref="State"/>, is still bringing its node up (starting or stopping it, cloning a replica).</summary>
    public static bool IsBusy(string state) =>
        state is "starting" or "stopping" or "restarting" or "creating replica" or "initializing new cluster" or "running custom bootstrap script";
}

/// <summary><c>GET /cluster</c>: every member as the DCS sees it.</summary>
internal sealed record PatroniCluster([property: JsonPropertyName("members")] IReadOnlyList<PatroniMember> Members)
{
    public PatroniMember? Leader => Members.FirstOrDefault(member => member.Role == PatroniMember.Leader);
}

/// <summary>An answer of the REST API: its status and body.</summary>
internal sealed record PatroniAnswer(int Status, string Body)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}

/// <summary>
/// Patroni's REST API on one node (<c>patroni/api.py</c>): health checks answer 200 or 503 with the node's status as
/// JSON; unsafe methods (switchover, failover, restart, reinitialize) need the REST API's basic authentication.
/// </summary>
internal static class PatroniRestApi
{
    /// <summary>The user the REST API's unsafe methods (switchover, failover, reinitialize) ask for; GET health checks stay open.</summary>
    public const string UserName = "patroni";

    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(3) };

    /// <summary>A switchover or failover waits for the new leader before Patroni answers (up to 2 × max(10, loop_wait) s).</summary>
    private static readonly HttpClient SlowClient = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>GET <paramref name="path"/> (<c>/health</c>, <c>/primary</c>, <c>/replica</c>, …); null when the API does not answer.</summary>
    public static async Task<PatroniAnswer?> GetAsync(PostgresNode node, string path, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Client.GetAsync(new Uri(PatroniHaManager.RestApiOf(node), path), cancellationToken).ConfigureAwait(false);
            return new PatroniAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>GET /cluster from the first node that answers; null when none does.</summary>
    public static async Task<PatroniCluster?> ClusterAsync(IEnumerable<PostgresNode> nodes, CancellationToken cancellationToken)
    {
        foreach (var node in nodes)
        {
            if (await GetAsync(node, "/cluster", cancellationToken) is { IsSuccess: true } answer)
            {
                return JsonSerializer.Deserialize<PatroniCluster>(answer.Body);
            }
        }

        return null;
    }

    /// <summary>POST <paramref name="path"/> with a JSON body, authenticated; Patroni answers with a sentence.</summary>
    public static async Task<PatroniAnswer> PostAsync(
        PostgresNode node, string path, object body, ParameterResource restApiPassword, CancellationToken cancellationToken)
    {
        var password = await restApiPassword.GetValueAsync(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(PatroniHaManager.RestApiOf(node), path))
        {
            // Patroni's http.server needs a Content-Length, which a streamed JsonContent does not send.
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{UserName}:{password}")));
        try
        {
            using var response = await SlowClient.SendAsync(request, cancellationToken);
            return new PatroniAnswer((int)response.StatusCode, (await response.Content.ReadAsStringAsync(cancellationToken)).Trim());
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new PatroniAnswer(0, $"{node.Name}'s REST API did not answer: {exception.Message}");
        }
    }
}
