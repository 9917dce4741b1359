using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Replication.AppHost;

/// <summary>
/// The <c>Postgres</c> configuration section (<c>--Postgres:Key=value</c>, <c>Postgres__Key=value</c> or appsettings.json),
/// read once and turned into the replica set's settings. A key that does not apply to the chosen runtime or HA manager
/// is refused with one line naming it, as is a value out of range; the AppHost then stops at start.
/// </summary>
internal static class PostgresConfiguration
{
    private const string Section = "Postgres";

    public static Action<PostgresReplicaSetSettings> From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        return settings =>
        {
            if (Value(section, "Replicas") is { } replicas)
            {
                settings.WithReplicas(Integer(replicas, "Replicas"));
            }

            var durability = Enumeration(section, "Durability", PostgresDurability.Async);
            var synchronousCommit = Value(section, "SynchronousCommit") switch
            {
                null or "on" => PostgresSynchronousCommit.On,
                "remote_apply" => PostgresSynchronousCommit.RemoteApply,
                var other => throw new ArgumentException($"Postgres:SynchronousCommit must be 'on' or 'remote_apply'; it is '{other}'."),
            };
            Refuse(section, "SynchronousCommit", "applies to Postgres:Durability=Sync", durability == PostgresDurability.Async);
            settings.WithDurability(durability, synchronousCommit);

            if (Value(section, "ReplicaApplyDelay") is { } delay)
            {
                settings.WithReplicaApplyDelay(Duration(delay, "ReplicaApplyDelay"));
            }

            ConfigureRuntime(section, settings);
            ConfigureHaManager(section, settings);
        };
    }

    private static void ConfigureRuntime(IConfigurationSection section, PostgresReplicaSetSettings settings)
    {
        var runtime = Value(section, "Runtime") ?? "Auto";
        void Processes(PostgresProcessSettings processes)
        {
            if (Value(section, "BinDirectory") is { } binaries)
            {
                processes.WithBinDirectory(binaries);
            }
        }

        void Containers(PostgresContainerSettings containers)
        {
            if (Value(section, "Image") is { } image)
            {
                containers.WithImage(image);
            }

            if (Value(section, "DataVolumes") is { } volumes && Boolean(volumes, "DataVolumes"))
            {
                containers.WithDataVolumes(Value(section, "DataVolumePrefix"));
            }
        }

        switch (runtime.ToUpperInvariant())
        {
            case "PROCESS":
                Refuse(section, "Image", "applies to Postgres:Runtime=Container", true);
                Refuse(section, "DataVolumes", "applies to Postgres:Runtime=Container", true);
                Refuse(section, "DataVolumePrefix", "applies to Postgres:Runtime=Container", true);
                settings.RunAsProcesses(Processes);
                break;
            case "CONTAINER":
                Refuse(section, "BinDirectory", "applies to Postgres:Runtime=Process", true);
                settings.RunAsContainers(Containers);
                break;
            case "AUTO":
                settings.RunWhereAvailable(Containers, Processes);
                break;
            default:
                throw new ArgumentException($"Postgres:Runtime must be Auto, Process or Container; it is '{runtime}'.");
        }
    }

    private static void ConfigureHaManager(IConfigurationSection section, PostgresReplicaSetSettings settings)
    {
        var haManager = Value(section, "HaManager") ?? "Supervisor";
        switch (haManager.ToUpperInvariant())
        {
            case "SUPERVISOR":
                Refuse(section, "EtcdMembers", "applies to Postgres:HaManager=Patroni", true);
                Refuse(section, "Patroni", "applies to Postgres:HaManager=Patroni", section.GetSection("Patroni").GetChildren().Any());
                settings.WithSupervisor(supervisor =>
                {
                    if (Value(section, "FailoverAfter") is { } after)
                    {
                        supervisor.WithFailoverAfter(Duration(after, "FailoverAfter"));
                    }
                });
                break;
            case "PATRONI":
                Refuse(section, "FailoverAfter", "applies to Postgres:HaManager=Supervisor (Patroni fails over after its Postgres:Patroni:Ttl)", true);
                settings.WithPatroni(patroni =>
                {
                    if (Value(section, "EtcdMembers") is { } members)
                    {
                        patroni.WithEtcdMembers(Integer(members, "EtcdMembers"));
                    }

                    var timing = section.GetSection("Patroni");
                    int? Timing(string key) => Value(timing, key) is { } value ? Integer(value, $"Patroni:{key}") : null;
                    patroni.WithTiming(Timing("Ttl"), Timing("LoopWait"), Timing("RetryTimeout"), Timing("PrimaryStartTimeout"));
                });
                break;
            default:
                throw new ArgumentException($"Postgres:HaManager must be Supervisor or Patroni; it is '{haManager}'.");
        }
    }

    /// <summary>Refuses <paramref name="key"/> when it is set and <paramref name="refused"/>: it would be ignored otherwise.</summary>
    private static void Refuse(IConfigurationSection section, string key, string appliesTo, bool refused)
    {
        if (refused && (Value(section, key) is not null || section.GetSection(key).GetChildren().Any()))
        {
            throw new ArgumentException($"Postgres:{key} {appliesTo}; drop it, or change that setting.");
        }
    }

    private static string? Value(IConfiguration section, string key) =>
        section[key] is { Length: > 0 } value ? value.Trim() : null;

    private static T Enumeration<T>(IConfigurationSection section, string key, T fallback) where T : struct, Enum =>
        Value(section, key) is not { } value ? fallback
        : Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed
        : throw new ArgumentException($"Postgres:{key} must be one of {string.Join(", ", Enum.GetNames<T>())}; it is '{value}'.");

    private static int Integer(string value, string key) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new ArgumentException($"Postgres:{key} must be a whole number; it is '{value}'.");

    private static bool Boolean(string value, string key) =>
        bool.TryParse(value, out var parsed) ? parsed : throw new ArgumentException($"Postgres:{key} must be true or false; it is '{value}'.");

    private static TimeSpan Duration(string value, string key) =>
        TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new ArgumentException($"Postgres:{key} must be a duration such as 00:00:03; it is '{value}'.");
}
