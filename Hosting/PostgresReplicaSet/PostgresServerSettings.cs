namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The server settings every node runs with, whatever its role or runtime. Every node is configured
/// alike, so any replica can be promoted; the role comes only from <c>standby.signal</c>.
/// Where a node listens and which pg_hba it reads are the runtime's business.
/// </summary>
internal static class PostgresServerSettings
{
    /// <summary>The settings whatever manages the node: the supervisor passes them as arguments, Patroni writes them to its configuration.</summary>
    public static IEnumerable<(string Name, string Value)> Shared(PostgresReplicaSetOptions options)
    {
        yield return ("wal_level", "replica");
        yield return ("max_wal_senders", "16");
        yield return ("max_replication_slots", "16");
        yield return ("hot_standby", "on");
        yield return ("hot_standby_feedback", "on");
        yield return ("wal_log_hints", "on"); // pg_rewind needs it to rejoin a former primary.
        yield return ("shared_buffers", "32MB");
        yield return ("max_connections", "100");
        yield return ("password_encryption", "scram-sha-256");
        yield return ("log_line_prefix", "%m [%p] %q%u@%d ");
        yield return ("wal_receiver_status_interval", "1s");
        if (options.ReplicaApplyDelay > TimeSpan.Zero)
        {
            yield return ("recovery_min_apply_delay", $"{(long)options.ReplicaApplyDelay.TotalMilliseconds}ms");
        }
    }

    public static IEnumerable<string> For(PostgresNode node, PostgresReplicaSetOptions options)
    {
        yield return $"cluster_name={node.Name}"; // Also the application_name a replica streams under.
        foreach (var (name, value) in Shared(options))
        {
            yield return $"{name}={value}";
        }

        yield return "recovery_target_timeline=latest"; // Follow a promoted replica onto its new timeline.

        var standbys = node.Parent.Nodes.Where(other => other != node).Select(other => $"\"{other.Name}\"").ToList();
        if (options.Durability == PostgresDurability.Sync && standbys.Count > 0)
        {
            yield return $"synchronous_standby_names=ANY 1 ({string.Join(", ", standbys)})";
            yield return $"synchronous_commit={options.SynchronousCommit}";
        }
    }

    /// <summary>Every setting as <c>-c name=value</c> server arguments.</summary>
    public static IEnumerable<string> AsArguments(PostgresNode node, PostgresReplicaSetOptions options) =>
        For(node, options).SelectMany(setting => new[] { "-c", setting });

    /// <summary>The loopback-only rules of the process runtime: scram-sha-256, and only the replication role may stream.</summary>
    public static IReadOnlyList<string> LoopbackRules { get; } =
    [
        $"host replication {PostgresReplicaSetResource.ReplicationUserName} 127.0.0.1/32 scram-sha-256",
        "host all all 127.0.0.1/32 scram-sha-256",
    ];

    /// <summary>pg_hba.conf of the process runtime: <see cref="LoopbackRules"/>.</summary>
    public static string LoopbackHostBasedAuthentication => string.Join('\n', LoopbackRules) + "\n";
}
