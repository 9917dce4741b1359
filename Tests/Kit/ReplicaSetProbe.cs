using Npgsql;

namespace Replication.Tests.Kit;

/// <summary>Direct superuser access to each PostgreSQL node, for assertions the API cannot show.</summary>
public sealed class ReplicaSetProbe(DistributedApplication app)
{
    public const string UsersDatabase = "usersdb";

    public IReadOnlyList<PostgresNodeResource> Nodes { get; } =
        [.. app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<PostgresNodeResource>().OrderBy(node => node.Index)];

    public PostgresNodeResource Node(string name) => Nodes.Single(node => node.Name == name);

    public async Task<NpgsqlConnection> OpenAsync(string nodeName, string database = UsersDatabase, CancellationToken cancellationToken = default)
    {
        var settings = new NpgsqlConnectionStringBuilder(await Node(nodeName).AdminConnectionString.GetValueAsync(cancellationToken))
        {
            Database = database,
            Pooling = false,
            Timeout = 3,
            ApplicationName = "tests",
        };
        var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public async Task<T> QueryAsync<T>(string nodeName, string sql, CancellationToken cancellationToken = default, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync(nodeName, cancellationToken: cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public Task<bool> IsInRecoveryAsync(string nodeName, CancellationToken cancellationToken = default) =>
        QueryAsync<bool>(nodeName, "SELECT pg_is_in_recovery()", cancellationToken);

    /// <summary>The standbys a primary is streaming to, by application_name (the node name).</summary>
    public async Task<IReadOnlyList<string>> StreamingStandbysAsync(string primaryName, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(primaryName, "postgres", cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming' ORDER BY application_name", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    public Task<long> CountUsersAsync(string nodeName, CancellationToken cancellationToken = default) =>
        QueryAsync<long>(nodeName, "SELECT count(*) FROM users", cancellationToken);

    public async Task<bool> UserExistsAsync(string nodeName, long id, CancellationToken cancellationToken = default) =>
        await QueryAsync<long>(nodeName, "SELECT count(*) FROM users WHERE id = @id", cancellationToken, ("id", id)) == 1;

    /// <summary>Polls a node until the row is there, e.g. until a replica has replayed a write.</summary>
    public async Task<bool> WaitForUserAsync(string nodeName, long id, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await UserExistsAsync(nodeName, id, cancellationToken))
            {
                return true;
            }

            await Task.Delay(50, cancellationToken);
        }

        return false;
    }
}
