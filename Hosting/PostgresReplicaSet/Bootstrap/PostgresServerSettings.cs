using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// The server settings every node runs with, whatever its role, runtime or HA manager. Every node is configured
/// alike, so any replica can be promoted; the role comes only from <c>standby.signal</c>. Where a node listens and
/// which pg_hba it reads are the runtime's business.
/// </summary>
internal static class PostgresServerSettings
{
    /// <summary>The settings whatever manages the node: the supervisor passes them as arguments, Patroni writes them to its configuration.</summary>
    public static IEnumerable<(string Name, string Value)> Shared(PostgresReplicaSetSettings settings)
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
        yield return ("log_statement", "ddl"); // Which node a schema change ran on, in that node's log.
        yield return ("wal_receiver_status_interval", "1s");
        if (settings.ReplicaApplyDelay > TimeSpan.Zero)
        {
            yield return ("recovery_min_apply_delay", string.Create(CultureInfo.InvariantCulture, $"{(long)settings.ReplicaApplyDelay.TotalMilliseconds}ms"));
        }
    }

    /// <summary><c>on</c> or <c>remote_apply</c>, as PostgreSQL spells it.</summary>
    public static string SynchronousCommitOf(PostgresReplicaSetSettings settings) =>
        settings.SynchronousCommit == PostgresSynchronousCommit.RemoteApply ? "remote_apply" : "on";

    public static IEnumerable<string> For(PostgresNode node, PostgresReplicaSetSettings settings, IReadOnlyDictionary<string, string> runtimeParameters)
    {
        yield return $"cluster_name={node.Name}"; // Also the application_name a replica streams under.
        yield return $"{PostgresReplicaSetResource.NodeNameSetting}={node.Name}";
        foreach (var (name, value) in Shared(settings).Concat(runtimeParameters.Select(parameter => (parameter.Key, parameter.Value))))
        {
            yield return $"{name}={value}";
        }

        yield return "recovery_target_timeline=latest"; // Follow a promoted replica onto its new timeline.

        var standbys = node.Parent.Nodes.Where(other => other != node).Select(other => $"\"{other.Name}\"").ToList();
        if (settings.Durability == PostgresDurability.Sync && standbys.Count > 0)
        {
            yield return $"synchronous_standby_names=ANY 1 ({string.Join(", ", standbys)})";
            yield return $"synchronous_commit={SynchronousCommitOf(settings)}";
        }
    }

    /// <summary>Every setting as <c>-c name=value</c> server arguments.</summary>
    public static IEnumerable<string> AsArguments(PostgresNode node, PostgresReplicaSetSettings settings, IReadOnlyDictionary<string, string> runtimeParameters) =>
        For(node, settings, runtimeParameters).SelectMany(setting => new[] { "-c", setting });

    /// <summary>
    /// The libpq connection string a replica streams with, to <paramref name="primary"/> where the runtime lets it reach
    /// it. It holds no password: PostgreSQL logs primary_conninfo whenever a reload changes it. The walreceiver's libpq
    /// takes the replication password from the server's environment (<c>PGPASSWORD</c>), which every node's runtime sets.
    /// </summary>
    public static string PrimaryConnectionInfo(PostgresNode follower, PostgresNode primary)
    {
        var (host, port) = follower.Parent.NodeRuntime.StreamingAddressOf(primary);
        return string.Create(CultureInfo.InvariantCulture,
            $"host={host} port={port} user={PostgresReplicaSetResource.ReplicationUserName} application_name={follower.Name}");
    }
}
