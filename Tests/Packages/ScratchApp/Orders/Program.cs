using Npgsql;

// A small orders API on the replica set's database: every write goes to the current primary.
var builder = WebApplication.CreateBuilder(args);
var connectionString = builder.Configuration.GetConnectionString("ordersdb")
    ?? throw new InvalidOperationException("ConnectionStrings:ordersdb is not set: run the orders API from its AppHost.");
var dataSource = new NpgsqlDataSourceBuilder(connectionString).BuildMultiHost().WithTargetSession(TargetSessionAttributes.ReadWrite);
builder.Services.AddSingleton(dataSource);

var app = builder.Build();

await using (var create = dataSource.CreateCommand("CREATE TABLE IF NOT EXISTS orders (key text PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())"))
{
    await create.ExecuteNonQueryAsync();
}

// The same key twice stores one order: a client may retry a write whose answer it never saw.
app.MapPost("/orders", async (NewOrder order, NpgsqlDataSource orders, CancellationToken cancellationToken) =>
{
    if (string.IsNullOrWhiteSpace(order.Key) || order.Key.Length > 200)
    {
        return Results.BadRequest("key: 1 to 200 characters");
    }

    await using var insert = orders.CreateCommand("INSERT INTO orders (key) VALUES ($1) ON CONFLICT (key) DO NOTHING");
    insert.Parameters.AddWithValue(order.Key);
    await insert.ExecuteNonQueryAsync(cancellationToken);
    return Results.Created($"/orders/{Uri.EscapeDataString(order.Key)}", order);
});

app.MapGet("/orders", async (string? prefix, NpgsqlDataSource orders, CancellationToken cancellationToken) =>
{
    await using var select = orders.CreateCommand("SELECT key FROM orders WHERE starts_with(key, $1) ORDER BY key LIMIT 1000");
    select.Parameters.AddWithValue(prefix ?? "");
    var keys = new List<string>();
    await using var reader = await select.ExecuteReaderAsync(cancellationToken);
    while (await reader.ReadAsync(cancellationToken))
    {
        keys.Add(reader.GetString(0));
    }

    return Results.Ok(keys);
});

app.MapGet("/health", () => Results.Ok("healthy"));

app.Run();

internal sealed record NewOrder(string Key);
