using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Npgsql;
using Replication.Tests.Kit;

namespace Replication.Tests.ContainerRuntime;

/// <summary>
/// The published manifest with Patroni deploys a replica set that fails over by itself, with no AppHost running: etcd
/// and the nodes are started from the manifest's own values (<see cref="ManifestDeployment"/>), writes flow from the
/// application role, and the leader's container is killed. A replica takes the leader lock, writes resume, no
/// acknowledged write is lost (synchronous mode), and the killed node, started again, rejoins as a replica.
/// </summary>
[Collection(HostFirewallScenarios.Name)]
public sealed partial class PatroniManifestDeployTests
{
    private const int EtcdMembers = 3;
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(3);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    [Fact]
    public async Task ThePublishedPatroniSetFailsOverWithNoAppHost_LosesNoAcknowledgedWrite_AndTheKilledNodeRejoins()
    {
        var unavailable = await ContainerEngine.UnavailableBecauseAsync();
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        var cancellationToken = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper;
        var image = await OfflinePostgresImage.ReferenceAsync();
        await ContainerNetwork.EnsureContainersConnectAsync(image);

        await using var deployment = await ManifestDeployment.PublishAsync(
            [$"--Postgres:Image={image}", "--Postgres:HaManager=Patroni", "--Postgres:Durability=Sync", $"--Postgres:EtcdMembers={EtcdMembers}"],
            cancellationToken);
        var members = deployment.ResourcesNamed(EtcdMemberName());
        var nodes = deployment.ResourcesNamed(NodeName());
        Assert.Equal(EtcdMembers, members.Count);
        Assert.Equal(["pg-0", "pg-1", "pg-2"], nodes);
        var ttl = Setting(deployment, "ttl");
        var loopWait = Setting(deployment, "loop_wait");

        // As a deployment tool would: everything at once, in no particular order; Patroni sorts out who leads.
        foreach (var resource in members.Concat(nodes))
        {
            await deployment.RunAsync(resource, cancellationToken);
        }

        var leader = await WaitForLeaderAsync(deployment, nodes, except: null, SettleTimeout, cancellationToken);
        await WaitForStandbysAsync(deployment, leader, nodes.Where(node => node != leader).ToList(), cancellationToken);

        var history = new OperationHistory();
        var connectionString = new NpgsqlConnectionStringBuilder(deployment.ConnectionStringOf("usersdb"))
        {
            TargetSessionAttributes = "read-write", Timeout = 3, CommandTimeout = 10, Pooling = false,
        }.ConnectionString;
        await ExecuteAsync(connectionString, "CREATE TABLE deployed_writes (id text PRIMARY KEY)", cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writers = Enumerable.Range(0, 4).Select(process => WriteUntilStoppedAsync(connectionString, history, process, stop.Token)).ToList();
        await Poll.UntilOrThrowAsync(_ => Task.FromResult(history.AcknowledgedSince(TimeSpan.Zero) >= 50), TimeSpan.FromMinutes(1),
            TimeSpan.FromMilliseconds(100), "50 writes acknowledged before the fault", cancellationToken);

        var killedAt = history.Elapsed;
        history.Nemesis($"docker kill {leader} (the leader)");
        var clock = Stopwatch.StartNew();
        await deployment.KillAsync(leader, cancellationToken);
        var newLeader = await WaitForLeaderAsync(deployment, nodes, except: leader, SettleTimeout, cancellationToken);
        var promotion = clock.Elapsed;
        history.Nemesis($"{newLeader} leads");
        await Poll.UntilOrThrowAsync(_ => Task.FromResult(history.AcknowledgedSince(killedAt + promotion) > 0), TimeSpan.FromMinutes(1),
            TimeSpan.FromMilliseconds(50), $"a write acknowledged through {newLeader}", cancellationToken);
        var firstWrite = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        await using (var reader = await OpenAsync(deployment, newLeader, cancellationToken))
        {
            var present = await ReadAllAsync(reader, cancellationToken);
            var report = HistoryChecker.Check(history, present);
            output?.WriteLine($"Killed {leader} (ttl {ttl} s, loop_wait {loopWait} s): {newLeader} led after {promotion.TotalSeconds:F1} s, " +
                              $"the first write was acknowledged through it after {firstWrite.TotalSeconds:F1} s.\n{report}");
            Assert.True(report.Valid, $"Acknowledged writes were lost, or failed writes were stored:\n{report}");
            Assert.True(report.AcknowledgedAfter(killedAt) > 0, $"No write was acknowledged after the kill:\n{report}");
        }

        // The dead leader's lock must have run out first (no second leader while it could still be alive); how long after
        // that the next one took it is a figure of this machine's load, printed above, not a bound.
        Assert.True(promotion >= TimeSpan.FromSeconds(ttl - loopWait), $"{newLeader} took the leader lock {promotion.TotalSeconds:F1} s after the kill, before {leader}'s could have expired (ttl {ttl} s).");

        // The killed node, started again on its own data, is rewound by its Patroni and follows the new leader.
        await deployment.StartAsync(leader, cancellationToken);
        await WaitForStandbysAsync(deployment, newLeader, [leader], cancellationToken);
        await using var former = await OpenAsync(deployment, leader, cancellationToken);
        Assert.True(await ScalarAsync<bool>(former, "SELECT pg_is_in_recovery()", cancellationToken), $"{leader} came back as a primary.");
    }

    /// <summary>
    /// Unique inserts as the application role until stopped, each logged with its outcome: a write that never reached a
    /// server, or that the server refused, failed; one whose connection broke or whose synchronous wait was cancelled
    /// (committed locally, maybe not replicated) is unknown; only a plain success is acknowledged.
    /// </summary>
    private static async Task WriteUntilStoppedAsync(string connectionString, OperationHistory history, int process, CancellationToken stop)
    {
        for (var sequence = 0; !stop.IsCancellationRequested; sequence++)
        {
            var pending = history.Invoke(process, $"{process}-{sequence}-{Guid.NewGuid():N}");
            var connection = new NpgsqlConnection(connectionString);
            try
            {
                await connection.OpenAsync(CancellationToken.None);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                await connection.DisposeAsync();
                pending.Complete(OperationOutcome.Fail, exception.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                continue;
            }

            await using (connection)
            {
                var unreplicated = false;
                connection.Notice += (_, notice) => unreplicated |= notice.Notice.MessageText.Contains("synchronous replication", StringComparison.Ordinal);
                try
                {
                    await using var insert = new NpgsqlCommand("INSERT INTO deployed_writes (id) VALUES (@id)", connection);
                    insert.Parameters.AddWithValue("id", pending.Value);
                    await insert.ExecuteNonQueryAsync(CancellationToken.None);
                    pending.Complete(unreplicated ? OperationOutcome.Unknown : OperationOutcome.Ok, unreplicated ? "synchronous wait cancelled" : null);
                }
                catch (PostgresException exception) when (!exception.SqlState.StartsWith("57", StringComparison.Ordinal) && !exception.SqlState.StartsWith("08", StringComparison.Ordinal))
                {
                    pending.Complete(OperationOutcome.Fail, exception.Message);
                }
                catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
                {
                    pending.Complete(OperationOutcome.Unknown, exception.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                }
            }
        }
    }

    /// <summary>The node that holds the leader lock and runs, as Patroni's <c>GET /cluster</c> on any node says; not <paramref name="except"/>.</summary>
    private static async Task<string> WaitForLeaderAsync(ManifestDeployment deployment, IReadOnlyList<string> nodes, string? except, TimeSpan timeout, CancellationToken cancellationToken)
    {
        string? leader = null;
        var found = await Poll.UntilAsync(async token =>
        {
            foreach (var node in nodes.Where(node => node != except))
            {
                try
                {
                    var (host, port) = deployment.Published[(node, "patroni")];
                    var cluster = await Http.GetFromJsonAsync<Cluster>($"http://{host}:{port}/cluster", token);
                    leader = cluster?.Members.FirstOrDefault(member => member.Role == "leader" && member.State == "running" && member.Name != except)?.Name;
                    if (leader is not null)
                    {
                        return true;
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
                {
                    // That node's REST API is not up (yet, or any more).
                }
            }

            return false;
        }, timeout, TimeSpan.FromMilliseconds(100), cancellationToken);
        Assert.True(found, $"No node led {(except is null ? "" : $"in place of {except} ")}within {timeout.TotalSeconds:F0} s. Logs:\n{await deployment.LogsAsync(cancellationToken)}");
        return leader!;
    }

    private static async Task WaitForStandbysAsync(ManifestDeployment deployment, string leader, IReadOnlyList<string> standbys, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(deployment, leader, cancellationToken);
        IReadOnlyList<string> streaming = [];
        var all = await Poll.UntilAsync(async token =>
        {
            streaming = await ReadAllAsync(connection, token, "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'");
            return standbys.All(streaming.Contains);
        }, SettleTimeout, TimeSpan.FromMilliseconds(500), cancellationToken);
        Assert.True(all, $"{leader} streams to [{string.Join(", ", streaming)}], expected [{string.Join(", ", standbys)}]. Logs:\n{await deployment.LogsAsync(cancellationToken)}");
    }

    private static Task<NpgsqlConnection> OpenAsync(ManifestDeployment deployment, string node, CancellationToken cancellationToken) =>
        deployment.OpenWhenReadyAsync(node, "postgres", "pg-superuser-password", "usersdb", SettleTimeout, cancellationToken);

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<string>> ReadAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken, string sql = "SELECT id FROM deployed_writes")
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>A timing setting of the cluster's dynamic configuration, as the manifest gives it to every node.</summary>
    private static int Setting(ManifestDeployment deployment, string name)
    {
        var configuration = deployment.Resources.GetProperty("pg-0").GetProperty("env").GetProperty("REPLICATION_PATRONI_CONFIGURATION").GetString()!;
        using var document = System.Text.Json.JsonDocument.Parse(configuration);
        return document.RootElement.GetProperty("bootstrap").GetProperty("dcs").GetProperty(name).GetInt32();
    }

    [GeneratedRegex(@"^pg-\d+$")]
    private static partial Regex NodeName();

    [GeneratedRegex(@"^pg-etcd-\d+$")]
    private static partial Regex EtcdMemberName();

    private sealed record Cluster([property: JsonPropertyName("members")] IReadOnlyList<Member> Members);

    private sealed record Member(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("role")] string Role,
        [property: JsonPropertyName("state")] string State);
}
