using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Replication.Testing;
using Xunit;

namespace Orders.Tests;

/// <summary>The orders app, booted once for its tests by the failover kit.</summary>
public sealed class OrdersGraph : GraphFixture<Projects.Orders_AppHost>, IAsyncLifetime
{
    private OrdersWorkload? workload;

    public override HttpWorkload Workload => workload ?? throw new InvalidOperationException("The orders app has not booted.");

    protected override Task AfterBootAsync(DistributedApplication app)
    {
        workload = new OrdersWorkload(app.CreateHttpClient("orders"), Database);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The orders API as the kit's workload: a write posts an order whose key is the kit's unique key; the final read selects
/// the keys straight from the node that is primary now, not through the API under test.
/// </summary>
public sealed class OrdersWorkload(HttpClient orders, ReplicaSetProbe database) : HttpWorkload(orders)
{
    public override HttpRequestMessage CreateRead() => new(HttpMethod.Get, "/orders?prefix=none-");

    public override HttpRequestMessage CreateWrite(string key, bool idempotencyKey) =>
        new(HttpMethod.Post, "/orders") { Content = JsonContent.Create(new { key }) };

    public override async Task<IReadOnlyCollection<string>> StoredKeysAsync(string prefix, CancellationToken cancellationToken)
    {
        var primary = await database.FindPrimaryAsync(cancellationToken);
        await using var connection = await database.OpenAsync(primary, "ordersdb", cancellationToken);
        await using var select = new Npgsql.NpgsqlCommand("SELECT key FROM orders WHERE starts_with(key, $1)", connection);
        select.Parameters.AddWithValue(prefix);
        var keys = new List<string>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }
}
