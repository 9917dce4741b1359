namespace Replication.Tests.Configuration;

/// <summary>
/// The replica set's settings check every value where it is made, in code as from configuration, with one line that
/// names the setting by its configuration key; and the AppHost refuses, in one line, a key that does not apply to the
/// runtime or HA manager it chose, instead of ignoring it.
/// </summary>
public sealed class ReplicaSetSettingsTests
{
    public static TheoryData<string, Action<PostgresReplicaSetSettings>, string> OutOfRange => new()
    {
        { "too many replicas", settings => settings.WithReplicas(6), "Postgres:Replicas must be between 0 and 5; it is 6." },
        { "negative replicas", settings => settings.WithReplicas(-1), "Postgres:Replicas must be between 0 and 5; it is -1." },
        { "remote_apply without Sync", settings => settings.WithDurability(PostgresDurability.Async, PostgresSynchronousCommit.RemoteApply), "Postgres:SynchronousCommit applies to Postgres:Durability=Sync only" },
        { "a negative apply delay", settings => settings.WithReplicaApplyDelay(TimeSpan.FromSeconds(-1)), "Postgres:ReplicaApplyDelay must not be negative" },
        { "a negative failover delay", settings => settings.WithSupervisor(supervisor => supervisor.WithFailoverAfter(TimeSpan.FromSeconds(-3))), "Postgres:FailoverAfter must not be negative" },
        { "an even etcd quorum", settings => settings.WithPatroni(patroni => patroni.WithEtcdMembers(2)), "Postgres:EtcdMembers must be 1, 3 or 5" },
        { "a ttl below Patroni's minimum", settings => settings.WithPatroni(patroni => patroni.WithTiming(ttl: 10)), "Postgres:Patroni:Ttl must be at least 20; it is 10." },
        { "a leader that outlives its lock", settings => settings.WithPatroni(patroni => patroni.WithTiming(ttl: 20, loopWait: 10, retryTimeout: 6)), "LoopWait + 2 × RetryTimeout ≤ Ttl" },
        { "an image that is no reference", settings => settings.RunAsContainers(containers => containers.WithImage("Postgres:18")), "Postgres:Image must be [registry/]repository[:tag]" },
        { "an empty bin directory", settings => settings.RunAsProcesses(processes => processes.WithBinDirectory(" ")), "Postgres:BinDirectory must name a directory." },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void AValueOutOfRangeIsRefusedWithItsKey(string description, Action<PostgresReplicaSetSettings> configure, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => configure(new PostgresReplicaSetSettings()));

        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{description}: {error.Message}");
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void EachAxisIsChosenOnce_TheLastChoiceWins_AndOnlyItsSettingsRemain()
    {
        var settings = new PostgresReplicaSetSettings()
            .RunAsContainers(containers => containers.WithDataVolumes())
            .RunAsProcesses(processes => processes.WithBinDirectory("/opt/postgresql/bin"))
            .WithPatroni(patroni => patroni.WithEtcdMembers(3));

        Assert.Null(settings.Containers);
        Assert.Equal("/opt/postgresql/bin", settings.Processes!.BinDirectory);
        Assert.False(settings.ChoosesRuntimeAtStart);
        Assert.Null(settings.Supervisor);
        Assert.Equal(3, settings.Patroni!.EtcdMembers);
    }

    [Fact]
    public void TheDefaultsAreTwoReplicasAsyncTheRuntimeChosenAtStartAndTheSupervisor()
    {
        var settings = new PostgresReplicaSetSettings();

        Assert.Equal(2, settings.Replicas);
        Assert.Equal(PostgresDurability.Async, settings.Durability);
        Assert.True(settings.ChoosesRuntimeAtStart);
        Assert.Equal(PostgresSupervisorSettings.DefaultFailoverAfter, settings.Supervisor!.FailoverAfter);
        Assert.Null(settings.Patroni);
    }
}
