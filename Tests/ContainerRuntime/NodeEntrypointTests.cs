using Npgsql;
using Replication.Tests.Kit;

namespace Replication.Tests.ContainerRuntime;

/// <summary>
/// The container runtime's node entrypoint, run for real against the shared graph's primary (the process runtime's
/// PostgreSQL): no engine is needed to prove that the script clones a primary and streams from it, that it never
/// starts nor deletes a primary's data while another node is primary on the same timeline, that it clones fenced data
/// afresh, and that a standby it restarts follows the primary again.
/// </summary>
[Collection(SharedGraph.Name)]
public sealed class NodeEntrypointTests(GraphFixture graph)
{
    private const string ProbeName = "entrypoint-probe";
    private const string ProbeSlot = "entrypoint_probe";
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TheScriptJoinsARunningPrimary_KeepsUnfencedPrimaryData_ReclonesFencedData_AndRestartsAStandby()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var primary = graph.Database.Node(await graph.Database.FindPrimaryAsync(cancellationToken));
        var scratch = NodeEntrypointProcess.CreateScratchDirectory();
        var dataDirectory = NodeEntrypointProcess.DataDirectoryIn(scratch);
        var port = BuiltProjects.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["NODE_NAME"] = ProbeName,
            ["INITIAL_PRIMARY"] = "false",
            ["OTHER_NODES"] = $"127.0.0.1:{primary.Endpoint.Port}",
            ["REPLICATION_USER"] = PostgresReplicaSetResource.ReplicationUserName,
            ["REPLICATION_PASSWORD"] = (await primary.Parent.ReplicationPassword.GetValueAsync(cancellationToken))!,
            ["REPLICATION_SLOT"] = ProbeSlot,
        };
        string[] serverArguments = [
            .. await SharedServerSettingsAsync(),
            "-c", $"port={port}", "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", $"cluster_name={ProbeName}"];

        await graph.Database.QueryAsync<object>(primary.Name,
            "SELECT pg_create_physical_replication_slot(@slot, true)::text", cancellationToken, ("slot", ProbeSlot));
        try
        {
            await using (var first = NodeEntrypointProcess.Start(scratch, environment, serverArguments))
            {
                await WaitUntilStreamingAsync(primary, first, cancellationToken);
                Assert.Contains($"{ProbeName}: cloning 127.0.0.1:{primary.Endpoint.Port}", first.Output, StringComparison.Ordinal);
                Assert.True(await IsInRecoveryAsync(primary, port, cancellationToken), "The clone must run as a hot standby.");
                await first.StopAsync();
            }

            // A primary's data on the primary's own timeline, and no fence: it may hold writes the primary lacks. The
            // script must neither start it (a second primary) nor delete it.
            File.Delete(Path.Combine(dataDirectory, "standby.signal"));
            await using (var refused = NodeEntrypointProcess.Start(scratch, environment, serverArguments))
            {
                Assert.Equal(1, await refused.WaitForExitAsync(JoinTimeout));
                Assert.Contains("refusing to start", refused.Output, StringComparison.Ordinal);
                Assert.True(File.Exists(Path.Combine(dataDirectory, "PG_VERSION")), $"The refused data was deleted. Output:\n{refused.Output}");
            }

            // Fenced data (what the AppHost writes on a former primary's volume when it promotes another node):
            // never started as it is, but cloned afresh from the primary, after which the fence is gone.
            File.WriteAllText(NodeEntrypointProcess.FenceFileIn(scratch), "");
            await using var second = NodeEntrypointProcess.Start(scratch, environment, serverArguments);
            await WaitUntilStreamingAsync(primary, second, cancellationToken);
            Assert.Contains("this data is fenced", second.Output, StringComparison.Ordinal);
            Assert.True(await IsInRecoveryAsync(primary, port, cancellationToken), "The fenced node must come back as a standby.");
            Assert.False(File.Exists(NodeEntrypointProcess.FenceFileIn(scratch)), "The fence outlived the fresh clone.");
            await second.StopAsync();

            // A standby's data (what Rejoin restarts): no clone, just pointed at whichever node is primary now.
            await using var third = NodeEntrypointProcess.Start(scratch, environment, serverArguments);
            await WaitUntilStreamingAsync(primary, third, cancellationToken);
            Assert.Contains($"{ProbeName}: following 127.0.0.1:{primary.Endpoint.Port}", third.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("cloning", third.Output, StringComparison.Ordinal);
            await third.StopAsync();
        }
        finally
        {
            await DropSlotAsync(primary.Name);
            Directory.Delete(scratch, recursive: true);
        }
    }

    private async Task WaitUntilStreamingAsync(PostgresNode primary, NodeEntrypointProcess node, CancellationToken cancellationToken)
    {
        var streaming = false;
        await Poll.UntilAsync(async token => node.HasExited || (streaming = await graph.Database.QueryAsync<long>(primary.Name,
                "SELECT count(*) FROM pg_stat_replication WHERE application_name = @name AND state = 'streaming'", token, ("name", ProbeName)) == 1),
            JoinTimeout, TimeSpan.FromMilliseconds(250), cancellationToken);
        Assert.True(streaming, $"{ProbeName} did not stream from {primary.Name} within {JoinTimeout.TotalSeconds} s. Its output:\n{node.Output}");
    }

    /// <summary>
    /// The settings every node of the set runs with (a standby refuses lower limits than its primary's), as the graph
    /// gives them to pg-1, without the ones that say where a node listens and who it is.
    /// </summary>
    private async Task<IEnumerable<string>> SharedServerSettingsAsync()
    {
        string[] ownSettings = ["port", "cluster_name", PostgresReplicaSetResource.NodeNameSetting, "listen_addresses", "unix_socket_directories", "hba_file"];
        var arguments = await AppModel.ArgumentsOf(graph.Database.Node("pg-1").Resource);
        return arguments.Zip(arguments.Skip(1))
            .Where(pair => pair.First == "-c" && !ownSettings.Contains(pair.Second.Split('=')[0]))
            .SelectMany(pair => new[] { "-c", pair.Second });
    }

    /// <summary>Asks the probe node itself, as the superuser its clone inherited from the primary.</summary>
    private static async Task<bool> IsInRecoveryAsync(PostgresNode primary, int port, CancellationToken cancellationToken)
    {
        var settings = new NpgsqlConnectionStringBuilder(await primary.AdminConnectionString.GetValueAsync(cancellationToken))
        {
            Port = port,
            Pooling = false,
        };
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The slot frees once the probe's walsender is gone; until then dropping it fails.</summary>
    private async Task DropSlotAsync(string primary) =>
        await Poll.UntilOrThrowAsync(async token =>
            {
                try
                {
                    await graph.Database.QueryAsync<object>(primary,
                        "SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE slot_name = @slot", token, ("slot", ProbeSlot));
                    return true;
                }
                catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.ObjectInUse)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200), $"slot {ProbeSlot} to be dropped", CancellationToken.None);
}
