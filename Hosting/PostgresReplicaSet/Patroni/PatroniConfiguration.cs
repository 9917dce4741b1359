using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// One node's Patroni configuration file, generated from the replica set's options: the same replicas, durability and
/// timing for every node, only names and directories differ. Written as JSON, which is YAML too, so Patroni reads it
/// as its <c>patroni.yml</c>; the <c>bootstrap.dcs</c> part becomes the cluster's dynamic configuration in etcd.
/// What is known only when the node starts (ports, etcd's addresses) and the secrets reach Patroni as its
/// <c>PATRONI_*</c> environment variables (<see cref="PatroniEnvironment"/>), which take precedence over the file: the
/// file holds no secret, and a container would get the same variables.
/// </summary>
internal static class PatroniConfiguration
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string For(PostgresNode node, PatroniNodeDirectory directory, PatroniInstallation patroni, string postBootstrapCommand)
    {
        var replicaSet = node.Parent;
        var options = replicaSet.Options;
        var configuration = new JsonObject
        {
            ["scope"] = replicaSet.Name,
            ["name"] = node.Name, // Also its standby's application_name; its slot is pg_N.
            ["log"] = new JsonObject { ["level"] = "INFO" }, // To stderr, with PostgreSQL's own log: one stream per node.
            ["bootstrap"] = new JsonObject
            {
                ["dcs"] = DynamicConfiguration(options),
                ["initdb"] = new JsonArray(
                    new JsonObject { ["encoding"] = "UTF8" },
                    new JsonObject { ["locale"] = "C" },
                    new JsonObject { ["auth-host"] = "scram-sha-256" },
                    new JsonObject { ["auth-local"] = "scram-sha-256" }),
                ["post_bootstrap"] = postBootstrapCommand,
            },
            ["postgresql"] = new JsonObject
            {
                ["data_dir"] = directory.DataDirectory,
                ["bin_dir"] = patroni.PostgresBinDirectory,
                ["pgpass"] = directory.PasswordFile,
                // Without it a replica's base backup waits for a spread checkpoint: over 40 s on an idle primary.
                ["basebackup"] = new JsonArray(new JsonObject { ["checkpoint"] = "fast" }),
                // Patroni rewrites pg_hba.conf with exactly these rules on every node.
                ["pg_hba"] = new JsonArray([.. PostgresServerSettings.LoopbackRules.Select(rule => JsonValue.Create(rule))]),
                ["parameters"] = new JsonObject { ["unix_socket_directories"] = "" }, // TCP on loopback only.
            },
            ["watchdog"] = new JsonObject { ["mode"] = "off" }, // No /dev/watchdog on a developer's machine.
            ["tags"] = new JsonObject { ["nofailover"] = false, ["noloadbalance"] = false, ["clonefrom"] = false, ["nosync"] = false },
        };
        return configuration.ToJsonString(Indented) + "\n";
    }

    /// <summary>The cluster-wide part, written to etcd by the node that bootstraps: timing, durability, server settings.</summary>
    private static JsonObject DynamicConfiguration(PostgresReplicaSetOptions options)
    {
        var parameters = new JsonObject();
        var recovery = new JsonObject();
        foreach (var (name, value) in PostgresServerSettings.Shared(options))
        {
            // Patroni owns the recovery settings and takes extra ones from recovery_conf, not from parameters.
            (name == "recovery_min_apply_delay" ? recovery : parameters)[name] = value;
        }

        // A replica whose primary just died retries its WAL source this often; the default (5 s) delayed its promotion
        // by as much (measured: promotion 8 s after a postmaster kill with the default, 2 s with 500 ms).
        parameters["wal_retrieve_retry_interval"] = "500ms";

        // Sync without a replica would block every commit for ever: like the supervisor, a lone primary is asynchronous.
        var synchronous = options.Durability == PostgresDurability.Sync && options.Replicas > 0;
        if (synchronous)
        {
            parameters["synchronous_commit"] = options.SynchronousCommit;
        }

        var timing = options.Patroni;
        return new JsonObject
        {
            ["ttl"] = timing.Ttl,
            ["loop_wait"] = timing.LoopWait,
            ["retry_timeout"] = timing.RetryTimeout,
            ["primary_start_timeout"] = timing.PrimaryStartTimeout,
            ["maximum_lag_on_failover"] = 1048576,
            // Strict: a primary with no synchronous standby blocks its commits instead of acknowledging them alone.
            ["synchronous_mode"] = synchronous,
            ["synchronous_mode_strict"] = synchronous,
            ["postgresql"] = new JsonObject
            {
                ["use_pg_rewind"] = true,
                ["use_slots"] = true,
                ["parameters"] = parameters,
                ["recovery_conf"] = recovery,
            },
        };
    }

}
