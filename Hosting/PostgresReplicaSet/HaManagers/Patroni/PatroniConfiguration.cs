using System.Text.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// One node's Patroni configuration, generated from the set's settings: the same replicas, durability and timing for
/// every node, only its name and where things are differ. JSON, which is YAML too, so Patroni reads it as its
/// <c>patroni.yml</c> (<see cref="IntegrationScripts.PatroniNode"/> writes it); the <c>bootstrap.dcs</c> part becomes
/// the cluster's dynamic configuration in etcd. It holds no secret and no address: those reach Patroni as its
/// <c>PATRONI_*</c> environment variables, which take precedence over the file, in the AppHost and in a manifest alike.
/// </summary>
internal static class PatroniConfiguration
{
    public static string For(PostgresNode node, PatroniSettings patroni, NodePlacement placement)
    {
        var replicaSet = node.Parent;
        var psql = placement.BinDirectory is { } binaries ? Path.Combine(binaries, "psql") : "psql";
        var configuration = new JsonObject
        {
            ["scope"] = replicaSet.Name,
            ["name"] = node.Name, // Also its standby's application_name; its slot is pg_N.
            ["log"] = new JsonObject { ["level"] = "INFO" }, // To stderr, with PostgreSQL's own log: one stream per node.
            ["bootstrap"] = new JsonObject
            {
                ["dcs"] = DynamicConfiguration(replicaSet.Settings, patroni),
                ["initdb"] = new JsonArray(
                    new JsonObject { ["encoding"] = "UTF8" },
                    new JsonObject { ["locale"] = "C" },
                    new JsonObject { ["auth-host"] = "scram-sha-256" },
                    new JsonObject { ["auth-local"] = "scram-sha-256" }),
                // Run once, on the node that initialises the cluster, with its environment; Patroni makes the replicas' slots itself.
                ["post_bootstrap"] = $"{psql} --no-psqlrc --quiet --set=ON_ERROR_STOP=1 --file={placement.ScriptPath(IntegrationScripts.BootstrapSql)}",
            },
            ["postgresql"] = new JsonObject
            {
                // Without it a replica's base backup waits for a spread checkpoint: over 40 s on an idle primary.
                ["basebackup"] = new JsonArray(new JsonObject { ["checkpoint"] = "fast" }),
                // Patroni rewrites pg_hba.conf with exactly these rules on every node.
                ["pg_hba"] = new JsonArray([.. placement.HostBasedAccessRules.Select(rule => JsonValue.Create(rule))]),
                // Patroni sets listen_addresses from its own listen setting.
                ["parameters"] = new JsonObject([.. placement.ServerParameters.Where(parameter => parameter.Key != "listen_addresses")
                    .Select(parameter => KeyValuePair.Create(parameter.Key, (JsonNode?)JsonValue.Create(parameter.Value))),
                    KeyValuePair.Create(PostgresReplicaSetResource.NodeNameSetting, (JsonNode?)JsonValue.Create(node.Name))]),
            },
            ["watchdog"] = new JsonObject { ["mode"] = "off" }, // No /dev/watchdog on a developer's machine or in a container.
            ["tags"] = new JsonObject { ["nofailover"] = false, ["noloadbalance"] = false, ["clonefrom"] = false, ["nosync"] = false },
        };
        return configuration.ToJsonString();
    }

    /// <summary>The cluster-wide part, written to etcd by the node that bootstraps: timing, durability, server settings.</summary>
    private static JsonObject DynamicConfiguration(PostgresReplicaSetSettings settings, PatroniSettings patroni)
    {
        var parameters = new JsonObject();
        var recovery = new JsonObject();
        foreach (var (name, value) in PostgresServerSettings.Shared(settings))
        {
            // Patroni owns the recovery settings and takes extra ones from recovery_conf, not from parameters.
            (name == "recovery_min_apply_delay" ? recovery : parameters)[name] = value;
        }

        // A replica whose primary just died retries its WAL source this often; the default (5 s) delayed its promotion
        // by as much (measured: promotion 8 s after a postmaster kill with the default, 2 s with 500 ms).
        parameters["wal_retrieve_retry_interval"] = "500ms";

        // Sync without a replica would block every commit for ever: like the supervisor, a lone primary is asynchronous.
        var synchronous = settings.Durability == PostgresDurability.Sync && settings.Replicas > 0;
        if (synchronous)
        {
            parameters["synchronous_commit"] = PostgresServerSettings.SynchronousCommitOf(settings);
        }

        return new JsonObject
        {
            ["ttl"] = patroni.Ttl,
            ["loop_wait"] = patroni.LoopWait,
            ["retry_timeout"] = patroni.RetryTimeout,
            ["primary_start_timeout"] = patroni.PrimaryStartTimeout,
            ["maximum_lag_on_failover"] = MaximumLagOnFailover(synchronous),
            // Strict: a primary with no synchronous standby blocks its commits instead of acknowledging them alone.
            ["synchronous_mode"] = synchronous,
            ["synchronous_mode_strict"] = synchronous,
            ["postgresql"] = new JsonObject
            {
                ["use_pg_rewind"] = true,
                // A former primary pg_rewind cannot bring back (a failed connection, WAL it no longer has) is cloned
                // afresh, as the supervisor does, instead of staying down until someone reinitialises it.
                ["remove_data_directory_on_rewind_failure"] = true,
                ["use_slots"] = true,
                ["parameters"] = parameters,
                ["recovery_conf"] = recovery,
            },
        };
    }

    /// <summary>
    /// How far behind the last primary's WAL a replica may be and still be promoted. Asynchronous: 1 MiB, the most a
    /// failover may lose. Synchronous: no limit, since only the synchronous standby may be promoted and it holds every
    /// acknowledged commit; WAL that waits for no standby (vacuum, checkpoints' full-page images, hint bits) otherwise
    /// piles up past the limit while the standby is slow, and then no node is ever promoted.
    /// </summary>
    private static long MaximumLagOnFailover(bool synchronous) => synchronous ? long.MaxValue : 1048576;
}
