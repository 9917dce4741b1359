using Npgsql;
using Npgsql.Replication;
using Replication.Tests.Kit;

namespace Replication.Tests.Hardening;

/// <summary>The application role can use its own tables and nothing more.</summary>
[Collection(SharedGraph.Name)]
public sealed class LeastPrivilegeTests(GraphFixture graph)
{
    [Theory]
    [InlineData("CREATE ROLE intruder LOGIN SUPERUSER")]
    [InlineData("SELECT rolpassword FROM pg_authid")]
    [InlineData("ALTER SYSTEM SET fsync = off")]
    [InlineData("CREATE DATABASE other")]
    public async Task TheApplicationRoleIsRefused(string sql)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var connection = await OpenAsApplicationAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(cancellationToken));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task TheApplicationRoleCannotStream()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var primary = await graph.Database.FindPrimaryAsync(cancellationToken);
        var application = new NpgsqlConnectionStringBuilder(await graph.App.GetConnectionStringAsync("usersdb", cancellationToken));
        var direct = new NpgsqlConnectionStringBuilder(await graph.Database.Node(primary).AdminConnectionString.GetValueAsync(cancellationToken))
        {
            Username = application.Username,
            Password = application.Password,
            Database = application.Database,
        };
        await using var replication = new PhysicalReplicationConnection(direct.ConnectionString);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => replication.Open(cancellationToken));
        // pg_hba.conf admits replication connections from the replication role only.
        Assert.Equal(PostgresErrorCodes.InvalidAuthorizationSpecification, refused.SqlState);
    }

    [Fact]
    public async Task TheApplicationRoleIsNeitherSuperuserNorReplication()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var attributes = await graph.Database.QueryAsync<string>("pg-0",
            "SELECT format('%s/%s/%s/%s', rolsuper, rolreplication, rolcreaterole, rolcreatedb) FROM pg_roles WHERE rolname = 'app'",
            cancellationToken);
        Assert.Equal("f/f/f/f", attributes); // rolsuper, rolreplication, rolcreaterole, rolcreatedb
    }

    private async Task<NpgsqlConnection> OpenAsApplicationAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(await ApplicationConnectionStringAsync(cancellationToken));
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>The services' own <c>usersdb</c> connection string, narrowed to the primary.</summary>
    private async Task<string> ApplicationConnectionStringAsync(CancellationToken cancellationToken) =>
        new NpgsqlConnectionStringBuilder(await graph.App.GetConnectionStringAsync("usersdb", cancellationToken))
        {
            TargetSessionAttributes = "primary",
            Pooling = false,
        }.ConnectionString;
}
