using Npgsql;

namespace Replication.Testing;

/// <summary>
/// Direct superuser access to each node of the app's replica set, for checks the app's API cannot show: roles, WAL
/// positions, replication, and a final read that does not go through the app under test.
/// </summary>
public sealed class ReplicaSetProbe(DistributedApplication app)
{
    /// <summary>How long Promote or Rejoin may take (a rejoin may copy the primary afresh with pg_basebackup).</summary>
    private static readonly TimeSpan NodeCommandTimeout = TimeSpan.FromMinutes(3);

    /// <summary>How long <see cref="FindPrimaryAsync"/> asks before it concludes there is no primary.</summary>
    private static readonly TimeSpan PrimaryAnswerTimeout = TimeSpan.FromSeconds(15);

    public PostgresReplicaSetResource ReplicaSet { get; } =
        app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<PostgresReplicaSetResource>().SingleOrDefault()
        ?? throw new InvalidOperationException("The app has no PostgreSQL replica set (AddPostgresReplicaSet), or more than one.");

    /// <summary>The database a connection opens when none is named: the set's first (<c>AddDatabase</c>), or <c>postgres</c>.</summary>
    public string DefaultDatabase => ReplicaSet.Databases.Count > 0 ? ReplicaSet.Databases[0].DatabaseName : "postgres";

    public IReadOnlyList<PostgresNode> Nodes => ReplicaSet.Nodes;

    public PostgresNode Node(string name) => Nodes.Single(node => node.Name == name);

    public async Task<NpgsqlConnection> OpenAsync(string nodeName, string? database = null, CancellationToken cancellationToken = default)
    {
        var settings = new NpgsqlConnectionStringBuilder(await Node(nodeName).AdminConnectionString.GetValueAsync(cancellationToken).ConfigureAwait(false))
        {
            Database = database ?? DefaultDatabase,
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

    /// <summary>
    /// The node that is primary now (after a failover, not necessarily pg-0). A primary that cannot take a connection
    /// at once (on a busy machine) is asked again, for up to <see cref="PrimaryAnswerTimeout"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No node answered as a primary in that time; says what each answered last.</exception>
    public async Task<string> FindPrimaryAsync(CancellationToken cancellationToken = default)
    {
        string? primary = null;
        IReadOnlyList<NodeRole> answers = [];
        var found = await Poll.UntilAsync(async token =>
        {
            (primary, answers) = await AskForPrimaryAsync(Nodes, token);
            return primary is not null;
        }, PrimaryAnswerTimeout, TimeSpan.FromMilliseconds(250), cancellationToken);
        return found
            ? primary!
            : throw new InvalidOperationException(
                $"No node answered as primary within {PrimaryAnswerTimeout.TotalSeconds:F0} s. Last answers: {string.Join("; ", answers)}.");
    }

    /// <summary>The node that is primary now, or null when none answers as one.</summary>
    public async Task<string?> TryFindPrimaryAsync(CancellationToken cancellationToken = default) =>
        (await AskForPrimaryAsync(Nodes, cancellationToken)).Primary;

    /// <summary>Every node that answers as a primary now: more than one is a split brain.</summary>
    public async Task<IReadOnlyList<string>> WritableNodesAsync(CancellationToken cancellationToken = default) =>
        [.. (await Task.WhenAll(Nodes.Select(node => RoleOfAsync(node.Name, cancellationToken)))).Where(role => role.IsPrimary).Select(role => role.Node)];

    /// <summary>
    /// Asks every candidate at once, and the first primary to answer wins: a frozen node answers nothing until its
    /// connection times out. With no primary, every candidate's answer.
    /// </summary>
    private async Task<(string? Primary, IReadOnlyList<NodeRole> Answers)> AskForPrimaryAsync(IEnumerable<PostgresNode> candidates, CancellationToken cancellationToken)
    {
        var pending = candidates.Select(node => RoleOfAsync(node.Name, cancellationToken)).ToList();
        var answers = new List<NodeRole>();
        while (pending.Count > 0)
        {
            var answered = await Task.WhenAny(pending);
            var role = await answered;
            if (role.IsPrimary)
            {
                return (role.Node, [role]);
            }

            answers.Add(role);
            pending.Remove(answered);
        }

        return (null, answers);
    }

    /// <summary>What the node says it is, primary or replica; or, when it does not answer (down, frozen, refusing connections), why.</summary>
    private async Task<NodeRole> RoleOfAsync(string nodeName, CancellationToken cancellationToken)
    {
        try
        {
            return await IsInRecoveryAsync(nodeName, cancellationToken)
                ? new NodeRole(nodeName, IsPrimary: false, "replica")
                : new NodeRole(nodeName, IsPrimary: true, "primary");
        }
        catch (NpgsqlException exception)
        {
            return new NodeRole(nodeName, IsPrimary: false, WhyNoAnswer(exception));
        }
    }

    private static string WhyNoAnswer(NpgsqlException exception) =>
        exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message;

    private sealed record NodeRole(string Node, bool IsPrimary, string Answer)
    {
        public override string ToString() => $"{Node}: {Answer}";
    }

    /// <summary>How far each replica's replay is behind the primary, in bytes, from pg_stat_replication.</summary>
    public async Task<IReadOnlyDictionary<string, long>> ReplayLagBytesAsync(string primaryName, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(primaryName, "postgres", cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT application_name, coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::bigint FROM pg_stat_replication", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var lag = new Dictionary<string, long>();
        while (await reader.ReadAsync(cancellationToken))
        {
            lag[reader.GetString(0)] = reader.GetInt64(1);
        }

        return lag;
    }

    /// <summary>The node's WAL position: current on a primary, last replayed on a replica.</summary>
    public Task<string> LsnAsync(string nodeName, CancellationToken cancellationToken = default) =>
        QueryAsync<string>(nodeName,
            "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text", cancellationToken);

    /// <summary>
    /// Makes a replica the primary with the node's Failover command, the same code the dashboard runs: a running primary
    /// is demoted (Patroni) or stopped and fenced (the supervisor), the other replicas follow the new primary.
    /// </summary>
    public async Task FailoverAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        var result = await app.ResourceCommands.ExecuteCommandAsync(nodeName, PostgresNodeCommands.Failover, cancellationToken)
            .WaitAsync(NodeCommandTimeout, cancellationToken);
        ThrowUnless(result.Success, $"Failover to {nodeName} failed: {result.Message}");
        ThrowUnless(await Poll.UntilAsync(async token => !await IsInRecoveryAsync(nodeName, token).ConfigureAwait(false), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false),
            $"{nodeName} is still in recovery after the failover.");
    }

    /// <summary>When the node's postmaster started (<c>pg_postmaster_start_time()</c>): a restarted server answers with another.</summary>
    public Task<DateTime> PostmasterStartAsync(string nodeName, CancellationToken cancellationToken = default) =>
        QueryAsync<DateTime>(nodeName, "SELECT pg_postmaster_start_time()", cancellationToken);

    /// <summary>As <see cref="PostmasterStartAsync"/>, or null when the node does not answer (down, frozen, refusing connections).</summary>
    public async Task<DateTime?> TryPostmasterStartAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        try
        {
            return await PostmasterStartAsync(nodeName, cancellationToken);
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Makes a node (e.g. a fenced former primary) a replica of the current primary, with its Rejoin command.</summary>
    public async Task RejoinAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        var result = await app.ResourceCommands.ExecuteCommandAsync(nodeName, PostgresNodeCommands.Rejoin, cancellationToken)
            .WaitAsync(NodeCommandTimeout, cancellationToken);
        ThrowUnless(result.Success, $"Rejoin {nodeName} failed: {result.Message}");
    }

    /// <summary>Polls until a node other than <paramref name="formerPrimary"/> accepts writes; returns its name.</summary>
    public async Task<string> WaitForNewPrimaryAsync(string formerPrimary, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        string? primary = null;
        await Poll.UntilOrThrowAsync(async token =>
        {
            primary = (await AskForPrimaryAsync(Nodes.Where(node => node.Name != formerPrimary), token)).Primary;
            return primary is not null;
        }, timeout, TimeSpan.FromMilliseconds(50), $"a node to replace {formerPrimary} as primary", cancellationToken);
        return primary!;
    }

    /// <summary>Polls until <paramref name="primary"/> streams to every node in <paramref name="standbys"/>.</summary>
    public async Task WaitForStandbysAsync(string primary, IEnumerable<string> standbys, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var expected = standbys.Order().ToList();
        (IReadOnlyList<string> Standbys, string? Error) last = ([], null);
        var allStreaming = await Poll.UntilAsync(async token => expected.All((last = await TryStreamingStandbysAsync(primary, token)).Standbys.Contains),
            timeout, TimeSpan.FromMilliseconds(100), cancellationToken);
        ThrowUnless(allStreaming, last.Error is { } error
            ? $"{primary} did not answer when last asked which standbys it streams to ({error}); expected [{string.Join(", ", expected)}]."
            : $"{primary} streams to [{string.Join(", ", last.Standbys)}], expected [{string.Join(", ", expected)}].");
    }

    /// <summary>
    /// As <see cref="StreamingStandbysAsync"/>, for polls: when the primary does not answer this time (a busy machine, a
    /// connection that timed out), no standbys and why, instead of an exception that would end the poll.
    /// </summary>
    public async Task<(IReadOnlyList<string> Standbys, string? Error)> TryStreamingStandbysAsync(string primaryName, CancellationToken cancellationToken = default)
    {
        try
        {
            return (await StreamingStandbysAsync(primaryName, cancellationToken), null);
        }
        catch (NpgsqlException exception)
        {
            return ([], WhyNoAnswer(exception));
        }
    }

    /// <summary>
    /// SIGKILLs the node's postmaster, as a crash would, with the node's Kill postmaster command (the postmaster process,
    /// or the container whose main process it is); returns once the node's resource is no longer Running.
    /// </summary>
    public async Task KillAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        var result = await app.ResourceCommands.ExecuteCommandAsync(nodeName, PostgresNodeCommands.KillPostmaster, cancellationToken);
        ThrowUnless(result.Success, $"Kill postmaster on {nodeName} failed: {result.Message}");
        await app.ResourceNotifications.WaitForResourceAsync(nodeName,
                resourceEvent => resourceEvent.Snapshot.State?.Text is { } state && state != KnownResourceStates.Running && state != KnownResourceStates.Starting,
                cancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>Polls until the node accepts a connection (e.g. after a start), whatever its role.</summary>
    public Task<bool> WaitUntilAnswersAsync(string nodeName, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Poll.UntilAsync(async token =>
        {
            try
            {
                await IsInRecoveryAsync(nodeName, token);
                return true;
            }
            catch (NpgsqlException)
            {
                return false;
            }
        }, timeout, TimeSpan.FromMilliseconds(250), cancellationToken);

    /// <summary>How the primary replicates to each standby, by application_name: sync, quorum (<c>ANY n</c>), potential or async.</summary>
    public async Task<IReadOnlyDictionary<string, string>> SyncStatesAsync(string primaryName, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(primaryName, "postgres", cancellationToken);
        await using var command = new NpgsqlCommand("SELECT application_name, sync_state FROM pg_stat_replication", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var states = new Dictionary<string, string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            states[reader.GetString(0)] = reader.GetString(1);
        }

        return states;
    }

    private static void ThrowUnless(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    /// <summary>Whether the node's resource is Running (a killed or stopped node is not, a frozen one is).</summary>
    public bool IsNodeRunning(string nodeName) => app.IsRunning(nodeName);

    public Task<bool> IsInRecoveryAsync(string nodeName, CancellationToken cancellationToken = default) =>
        QueryAsync<bool>(nodeName, "SELECT pg_is_in_recovery()", cancellationToken);

    /// <summary>How far a primary's walsender for <paramref name="standby"/> has sent WAL; null when none streams to it.</summary>
    public Task<string?> SentLsnAsync(string primary, string standby, CancellationToken cancellationToken = default) =>
        QueryAsync<string?>(primary, "SELECT sent_lsn::text FROM pg_stat_replication WHERE application_name = @standby AND sent_lsn IS NOT NULL LIMIT 1",
            cancellationToken, ("standby", standby));

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
}
