using Npgsql;
using Npgsql.Replication;
using Replication.Tests.Kit;

namespace Replication.Tests.Hardening;

/// <summary>
/// What this project configures for the database's roles and pg_hba, checked against the running nodes: the application
/// role owns its database and nothing else, no other role may use that database, the replication role alone may stream,
/// pg_hba admits 127.0.0.1 only, the application role's sessions run with the timeouts the design relies on, and no
/// resource's log holds a password.
/// </summary>
[Collection(SharedGraph.Name)]
public sealed class LeastPrivilegeTests(GraphFixture graph)
{
    private const string ApplicationRole = PostgresReplicaSetResource.ApplicationUserName;
    private const string ReplicationRole = PostgresReplicaSetResource.ReplicationUserName;

    [Theory]
    // NOCREATEROLE, NOCREATEDB, NOSUPERUSER as the bootstrap creates the role; a role it may not take over or alter.
    [InlineData("CREATE ROLE intruder LOGIN SUPERUSER")]
    [InlineData("ALTER ROLE replicator PASSWORD 'taken'")]
    [InlineData("ALTER ROLE app SUPERUSER")]
    [InlineData("ALTER ROLE app REPLICATION")]
    [InlineData("CREATE DATABASE other")]
    [InlineData("ALTER SYSTEM SET fsync = off")]
    [InlineData("SELECT rolpassword FROM pg_authid")]
    public async Task TheApplicationRoleIsRefused(string sql)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var connection = await OpenAsApplicationAsync(cancellationToken: cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(cancellationToken));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task TheApplicationRoleOwnsItsDatabaseAndItsTablesAndNothingElse()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var primary = await graph.Database.FindPrimaryAsync(cancellationToken);

        var databases = await graph.Database.QueryAsync<string>(primary,
            "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datdba = @role::regrole", cancellationToken, ("role", ApplicationRole));
        var tables = await graph.Database.QueryAsync<string>(primary,
            "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relowner = @role::regrole AND relkind = 'r'", cancellationToken, ("role", ApplicationRole));
        await using var postgres = await graph.Database.OpenAsync(primary, "postgres", cancellationToken);
        await using var elsewhere = new NpgsqlCommand("SELECT count(*) FROM pg_class WHERE relowner = @role::regrole", postgres);
        elsewhere.Parameters.AddWithValue("role", ApplicationRole);

        Assert.Equal(ResourceNames.UsersDatabase, databases);
        Assert.Equal("idempotency_keys,users", tables); // its own schema, which it migrates itself
        Assert.Equal(0L, (long)(await elsewhere.ExecuteScalarAsync(cancellationToken))!);
    }

    [Fact]
    public async Task NoOtherRoleMayConnectToTheApplicationsDatabase()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var replicationPassword = await graph.Database.Nodes[0].Parent.ReplicationPassword.GetValueAsync(cancellationToken);
        var settings = new NpgsqlConnectionStringBuilder(await PrimaryAdminConnectionStringAsync(cancellationToken))
        {
            Username = ReplicationRole,
            Password = replicationPassword,
            Database = ResourceNames.UsersDatabase,
        };
        await using var connection = new NpgsqlConnection(settings.ConnectionString);

        // pg_hba lets the replication role log in; the database's REVOKE ALL … FROM PUBLIC keeps it out of usersdb.
        var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync(cancellationToken));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task TheApplicationRoleCannotStream()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var application = new NpgsqlConnectionStringBuilder(await graph.App.GetConnectionStringAsync(ResourceNames.UsersDatabase, cancellationToken));
        var direct = new NpgsqlConnectionStringBuilder(await PrimaryAdminConnectionStringAsync(cancellationToken))
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
    public async Task PgHbaRefusesAnyAddressBut127_0_0_1_BeforeAPasswordIsAsked()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var port = await PrimaryPortAsync(cancellationToken);

        // The same startup message from 127.0.0.1 is asked for a password, and from another address is refused by pg_hba.
        var admitted = await PostgresStartup.SendAsync(IPAddress.Loopback, port, ApplicationRole, ResourceNames.UsersDatabase, cancellationToken);
        var refused = await PostgresStartup.SendAsync(IPAddress.Parse("127.0.0.2"), port, ApplicationRole, ResourceNames.UsersDatabase, cancellationToken);

        Assert.True(admitted.Type == 'R', $"From 127.0.0.1 the server should ask for authentication, but answered {admitted}.");
        Assert.True(refused is { Type: 'E', SqlState: PostgresErrorCodes.InvalidAuthorizationSpecification }, $"From 127.0.0.2: {refused}");
        Assert.Contains("no pg_hba.conf entry", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheApplicationRolesSessionsRunWithTheTimeoutsTheDesignReliesOn()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var connection = await OpenAsApplicationAsync(cancellationToken: cancellationToken);
        await using var show = new NpgsqlCommand("SELECT current_setting('statement_timeout') || ',' || current_setting('idle_in_transaction_session_timeout')", connection);
        Assert.Equal("5s,1s", await show.ExecuteScalarAsync(cancellationToken));

        // statement_timeout ends a statement that runs too long (a runaway query; never a Sync commit's wait for a standby,
        // which PostgreSQL does not time: see docs/http-api.md, Durability with Sync).
        await using var slow = new NpgsqlCommand("SELECT pg_sleep(60)", connection) { CommandTimeout = 120 };
        var cancelled = await Assert.ThrowsAsync<PostgresException>(() => slow.ExecuteScalarAsync(cancellationToken));
        Assert.Equal(PostgresErrorCodes.QueryCanceled, cancelled.SqlState);
    }

    [Fact]
    public async Task ASessionIdleInATransactionIsEnded_SoAFrozenServiceCannotHoldAnIdempotencyKeysLock()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var primary = await graph.Database.FindPrimaryAsync(cancellationToken);
        await using var connection = await OpenAsApplicationAsync("idle in transaction", cancellationToken);
        await using (var begin = new NpgsqlCommand("BEGIN; SELECT 1", connection))
        {
            await begin.ExecuteNonQueryAsync(cancellationToken);
        }

        // The server ends the session by itself; watched from outside, since any statement on it would reset its idle time.
        var ended = await Poll.UntilAsync(
            async token => await graph.Database.QueryAsync<long>(primary, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'idle in transaction'", token) == 0,
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), cancellationToken);
        Assert.True(ended, "A session idle in a transaction outlived idle_in_transaction_session_timeout (1 s) by 30 s.");
    }

    [Fact]
    public async Task NoResourceLogsAPasswordOfTheReplicaSet()
    {
        // The nodes log every DDL statement; the bootstrap's ALTER ROLE … PASSWORD must not be one of those logged.
        await PasswordsInLogs.AssertNoneAsync(graph, TestContext.Current.CancellationToken);
    }

    private async Task<NpgsqlConnection> OpenAsApplicationAsync(string applicationName = "tests", CancellationToken cancellationToken = default)
    {
        // The services' own usersdb connection string, narrowed to the primary.
        var settings = new NpgsqlConnectionStringBuilder(await graph.App.GetConnectionStringAsync(ResourceNames.UsersDatabase, cancellationToken))
        {
            TargetSessionAttributes = "primary",
            Pooling = false,
            ApplicationName = applicationName,
        };
        var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private async Task<string> PrimaryAdminConnectionStringAsync(CancellationToken cancellationToken) =>
        (await graph.Database.Node(await graph.Database.FindPrimaryAsync(cancellationToken)).AdminConnectionString.GetValueAsync(cancellationToken))!;

    private async Task<int> PrimaryPortAsync(CancellationToken cancellationToken) =>
        new NpgsqlConnectionStringBuilder(await PrimaryAdminConnectionStringAsync(cancellationToken)).Port;
}
