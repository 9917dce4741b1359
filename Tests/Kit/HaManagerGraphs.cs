namespace Replication.Tests.Kit;

/// <summary>
/// The failover scenarios' graph under Patroni: synchronous (<c>synchronous_mode_strict</c>), three replicas (so two
/// failovers in a row still leave a standby to be synchronous), and three etcd members, so one can be lost without
/// losing the quorum. The supervisor's counterpart is
/// <see cref="SyncDurabilityGraph"/>: the same scenarios run on both (<c>HaManagerFailoverScenarios</c>).
/// </summary>
public sealed class PatroniGraph : GraphFixture
{
    public const string Name = "Patroni";

    protected override IEnumerable<string> GraphArguments => ["--Postgres:HaManager=Patroni", "--Postgres:Durability=Sync", "--Postgres:Replicas=3", "--Postgres:EtcdMembers=3"];

    /// <summary>On processes, Patroni and etcd are the machine's own programs: without them the scenarios skip, saying what to install.</summary>
    protected override async Task<string?> PrepareAsync()
    {
        string[] programs = ["patroni", "etcd"];
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var missing = programs.Where(program => !path.Any(directory => File.Exists(Path.Combine(directory, program)))).ToList();
        return missing.Count > 0
            ? $"{string.Join(" and ", missing)} not found on PATH: Patroni's graph needs Patroni and etcd (apt-get install patroni etcd-server python3-etcd)."
            : await base.PrepareAsync();
    }
}

/// <summary>
/// The same failover scenarios' graph under Patroni on containers: every node runs Patroni, and every etcd member runs,
/// in a container of the offline image (which has Patroni and etcd), with synchronous replication, three replicas and
/// three etcd members.
/// With data volumes, as any real deployment of Patroni: a killed node's container is made anew when it starts again,
/// and its data must survive that, as a machine's disk survives a crash.
/// </summary>
public sealed class PatroniOnContainersGraph : DataVolumesGraphFixture
{
    public const string Name = "Patroni on containers";

    protected override IEnumerable<string> ContainerArguments => [.. base.ContainerArguments, "--Postgres:HaManager=Patroni", "--Postgres:Replicas=3", "--Postgres:EtcdMembers=3"];
}
