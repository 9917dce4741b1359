using Npgsql;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// What Patroni's <c>post_bootstrap</c> runs once, on the node that ran initdb: the application role (with a SCRAM
/// verifier, never the password), its session limits, and the databases it owns. Patroni creates the replication role
/// itself, from its <c>authentication</c> section; this covers everything else the supervisor's bootstrapper does.
/// </summary>
internal static class PatroniBootstrapScript
{
    private static readonly NpgsqlCommandBuilder Sql = new();

    public static string For(PostgresReplicaSetResource replicaSet, string applicationPasswordVerifier)
    {
        var role = Sql.QuoteIdentifier(PostgresReplicaSetResource.ApplicationUserName);
        var lines = new List<string>
        {
            $"CREATE ROLE {role} WITH {ApplicationRole.Attributes} PASSWORD {Literal(applicationPasswordVerifier)};",
        };
        lines.AddRange(ApplicationRole.SessionSettings.Select(setting => $"ALTER ROLE {role} SET {setting.Name} = {Literal(setting.Value)};"));
        foreach (var database in replicaSet.Databases)
        {
            var name = Sql.QuoteIdentifier(database.DatabaseName);
            lines.Add($"CREATE DATABASE {name} OWNER {role};");
            lines.Add($"REVOKE ALL ON DATABASE {name} FROM PUBLIC;");
        }

        return string.Join('\n', lines) + "\n";
    }

    private static string Literal(string value) => $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";
}
