using System.Collections.Concurrent;
using Npgsql;

namespace Replication.UsersApi;

/// <summary>
/// Routes connections over the multi-host <c>usersdb</c> data source:
/// writes to the read-write node, reads to standbys (load-balanced, the primary when none is up).
/// </summary>
public sealed class UsersDatabase
{
    private readonly ConcurrentDictionary<(string Host, int Port), string> nodeNames = new();
    private readonly NpgsqlDataSource dataSource;

    public UsersDatabase(NpgsqlDataSource dataSource)
    {
        this.dataSource = dataSource;
        if (dataSource is NpgsqlMultiHostDataSource multiHost)
        {
            Primary = multiHost.WithTargetSession(TargetSessionAttributes.ReadWrite);
            Replicas = multiHost.WithTargetSession(TargetSessionAttributes.PreferStandby);
        }
        else
        {
            // A single-host connection string (e.g. a managed service's writer endpoint) serves both.
            Primary = Replicas = dataSource;
        }
    }

    public NpgsqlDataSource Primary { get; }

    public NpgsqlDataSource Replicas { get; }

    /// <summary>Drops idle pooled connections to every node, e.g. after one of them died.</summary>
    public void ClearPools() => dataSource.Clear();

    /// <summary>
    /// The node's name (pg-0, pg-1, …), looked up once per host and port: the replica set's <c>replication.node_name</c>
    /// setting, else <c>cluster_name</c> (Patroni sets that to its scope on every node), else the host and port.
    /// </summary>
    public async ValueTask<string> GetNodeNameAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var endpoint = (connection.Host ?? "", connection.Port);
        if (nodeNames.TryGetValue(endpoint, out var name))
        {
            return name;
        }

        await using var command = new NpgsqlCommand(
            "SELECT coalesce(nullif(current_setting('replication.node_name', true), ''), current_setting('cluster_name'))", connection);
        name = (string?)await command.ExecuteScalarAsync(cancellationToken) is { Length: > 0 } nodeName
            ? nodeName
            : $"{endpoint.Item1}:{endpoint.Port}";
        return nodeNames.GetOrAdd(endpoint, name);
    }
}
