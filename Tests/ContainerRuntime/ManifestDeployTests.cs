using System.Text.RegularExpressions;
using Npgsql;
using Replication.Tests.Kit;

namespace Replication.Tests.ContainerRuntime;

/// <summary>
/// A published manifest deploys a working replica set with no AppHost at all (<see cref="ManifestDeployment"/>): the
/// node containers bootstrap themselves, the replicas stream, and the application role can write.
/// </summary>
public sealed partial class ManifestDeployTests
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task TheManifestsNodeContainersReplicateAndTheApplicationRoleCanWrite()
    {
        var unavailable = await ContainerEngine.UnavailableBecauseAsync();
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        var image = await OfflinePostgresImage.ReferenceAsync();
        await ContainerNetwork.EnsureContainersConnectAsync(image);
        await DeployAndWriteAsync(image, TestContext.Current.CancellationToken);
    }

    /// <summary>The scenario: publish, run the nodes, wait until both replicas stream, write as the application role, read it on a replica.</summary>
    internal static async Task DeployAndWriteAsync(string image, CancellationToken cancellationToken)
    {
        await using var deployment = await ManifestDeployment.PublishAsync([$"--Postgres:Image={image}", "--Postgres:Durability=Sync"], cancellationToken);
        var nodes = deployment.ResourcesNamed(NodeName());
        Assert.Equal(["pg-0", "pg-1", "pg-2"], nodes);
        foreach (var node in nodes)
        {
            await deployment.RunAsync(node, cancellationToken);
        }

        await using var primary = await deployment.OpenWhenReadyAsync("pg-0", "postgres", "pg-superuser-password", "postgres", SettleTimeout, cancellationToken);
        var streaming = await Poll.UntilAsync(async token =>
            await ScalarAsync<long>(primary, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", token) == 2,
            SettleTimeout, TimeSpan.FromMilliseconds(500), cancellationToken);
        Assert.True(streaming, $"pg-1 and pg-2 do not both stream from pg-0. Their logs:\n{await deployment.LogsAsync(cancellationToken)}");

        // The services' connection string, as the manifest writes it, with the addresses this test reaches the nodes at.
        var usersdb = deployment.ConnectionStringOf("usersdb");
        await using (var writer = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(usersdb) { TargetSessionAttributes = "read-write" }.ConnectionString))
        {
            await writer.OpenAsync(cancellationToken);
            Assert.Equal("app", await ScalarAsync<string>(writer, "SELECT current_user", cancellationToken));
            Assert.False(await ScalarAsync<bool>(writer, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user", cancellationToken));
            await ScalarAsync<object>(writer, "CREATE TABLE deployed (note text); INSERT INTO deployed VALUES ('written by app')", cancellationToken);
        }

        await using var replica = await deployment.OpenWhenReadyAsync("pg-2", "app", "pg-app-password", "usersdb", SettleTimeout, cancellationToken);
        Assert.True(await Poll.UntilAsync(async token =>
        {
            try
            {
                return await ScalarAsync<string>(replica, "SELECT note FROM deployed", token) == "written by app";
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200), cancellationToken), "The application's write was not replayed on pg-2.");
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    [GeneratedRegex(@"^pg-\d+$")]
    private static partial Regex NodeName();
}
