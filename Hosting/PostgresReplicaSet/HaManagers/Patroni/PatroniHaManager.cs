using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// Patroni with etcd: each node runs Patroni (<see cref="IntegrationScripts.PatroniNode"/>), which owns its PostgreSQL:
/// pg-0 bootstraps the cluster (initdb, then the set's bootstrap script as its post_bootstrap), the replicas clone it
/// once it leads, and Patroni holds the leader lock, fails over, fences (a node without the lock never runs as a
/// primary), rewinds and keeps the slots. The etcd members hold the lock. The AppHost only starts them and reads
/// Patroni's REST API, so the same members, published, fail over with no AppHost at all.
/// </summary>
internal sealed class PatroniHaManager(PatroniSettings settings) : IPostgresHaManager
{
    /// <summary>The endpoint of each node's Patroni REST API.</summary>
    public const string RestApiEndpointName = "patroni";

    public const string InstallHint =
        "Postgres:HaManager=Patroni needs Patroni and etcd (Debian/Ubuntu: 'sudo apt-get install -y patroni etcd-server etcd-client python3-etcd').";

    private const int RestApiPort = 8008;

    private readonly StandbySnapshots standbySnapshots = new();

    private volatile PostgresNode? leader;

    public string Description => string.Create(CultureInfo.InvariantCulture,
        $"Patroni ({settings.EtcdMembers} etcd member{(settings.EtcdMembers == 1 ? "" : "s")}, ttl {settings.Ttl} s)");

    /// <summary>A dead or frozen leader keeps its lock for the ttl, and the replicas notice within a loop.</summary>
    public TimeSpan FailoverDelay => TimeSpan.FromSeconds(settings.Ttl + settings.LoopWait);

    public PostgresNode? CurrentPrimary => leader;

    /// <summary>The password of the REST API's unsafe methods (switchover, failover, reinitialize); a generated parameter.</summary>
    public ParameterResource RestApiPassword { get; private set; } = null!;

    public (string DisplayName, string Description) RejoinCommand =>
        ("Rejoin (reinit)", "Start this node's Patroni if it is stopped (it rewinds and follows by itself); otherwise delete its data and clone it again from the leader (POST /reinitialize).");

    public static Uri RestApiOf(PostgresNode node) => new(node.Resource.GetEndpoint(RestApiEndpointName).Url);

    public IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> AddNodes(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet, IPostgresNodeRuntime runtime)
    {
        var set = replicaSet.Resource;
        RestApiPassword = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{set.Name}-patroni-password", special: false);
        var etcd = EtcdCluster.Add(builder, replicaSet, runtime, settings.EtcdMembers);

        var nodes = new List<ProgramMember>();
        for (var index = 0; index <= set.Settings.Replicas; index++)
        {
            var node = AddNode(builder, replicaSet, runtime, index, etcd.ClientAddresses);
            foreach (var member in etcd.Members)
            {
                node.Waits.WaitFor(member.Endpoints);
            }

            // pg-0 bootstraps the cluster; the others clone it once it leads, so the initial primary is pg-0, as with the supervisor.
            if (index > 0)
            {
                node.Waits.WaitFor(nodes[0].Endpoints);
            }

            nodes.Add(node);
        }

        // pg-0 is ready once it leads, i.e. once its post_bootstrap made the roles and databases.
        nodes[0].Endpoints.OnResourceReady((_, readyEvent, _) =>
            readyEvent.Services.GetRequiredService<ResourceNotificationService>().OpenAsync(set));
        return [.. nodes.Select(node => node.Endpoints)];
    }

    public IHealthCheck HealthCheckOf(PostgresNode node) => new PatroniNodeHealthCheck(node);

    public void Dispose()
    {
    }

    /// <summary>Once a second: what Patroni says of its cluster (the leader, each member's state), and what each node says of itself.</summary>
    public async Task WatchAsync(ReplicaSetContext context, bool publish, CancellationToken cancellationToken)
    {
        if (!publish)
        {
            return;
        }

        var replicaSet = context.ReplicaSet;
        var running = replicaSet.Nodes.Where(node => context.IsRunning(node.Resource)).ToList();
        var cluster = await PatroniRestApi.ClusterAsync(running, cancellationToken).ConfigureAwait(false);
        leader = replicaSet.Nodes.FirstOrDefault(node => node.Name == cluster?.Leader?.Name && cluster.Leader.State == "running");
        var observations = await context.ObserveAsync(running, cancellationToken).ConfigureAwait(false);
        // The sync state Patroni acts on is its /sync key (only the standby it names may take the lock in synchronous
        // mode), not pg_stat_replication's: in strict mode with no standby named, PostgreSQL lists every one as sync ('*').
        var extras = replicaSet.Nodes.ToDictionary(node => node, node =>
        {
            var member = cluster?.Members.FirstOrDefault(candidate => candidate.Name == node.Name);
            return (IReadOnlyList<(string, object?)>)
            [
                (ReplicaSetProperties.PatroniState, member?.State),
                (ReplicaSetProperties.SyncState, member is null || member.Role == PatroniMember.Leader ? null : member.Role == PatroniMember.SyncStandby ? "sync" : "async"),
            ];
        });
        await ReplicaSetDashboard.PublishAsync(context, leader, observations, extras).ConfigureAwait(false);
        standbySnapshots.Refresh(context, leader, observations, cancellationToken);
    }

    public async Task<ExecuteCommandResult> SwitchoverAsync(PostgresNode primary, ExecuteCommandContext command) =>
        Result(await PatroniRestApi.PostAsync(primary, "/switchover", new { leader = primary.Name }, RestApiPassword, command.CancellationToken).ConfigureAwait(false));

    public async Task<ExecuteCommandResult> FailoverAsync(PostgresNode candidate, ExecuteCommandContext command) =>
        Result(await PatroniRestApi.PostAsync(candidate, "/failover", new { candidate = candidate.Name }, RestApiPassword, command.CancellationToken).ConfigureAwait(false));

    /// <summary>A stopped node is started (its Patroni rewinds it, or clones it, and follows the leader); a running one is reinitialised.</summary>
    public async Task<ExecuteCommandResult> RejoinAsync(PostgresNode node, ExecuteCommandContext command)
    {
        var context = new ReplicaSetContext(node.Parent, command.Services);
        if (!context.IsRunning(node.Resource))
        {
            var started = await context.Commands.ExecuteCommandAsync(node.Name, KnownResourceCommands.StartCommand, command.CancellationToken).ConfigureAwait(false);
            return started.Success ? CommandResults.Success($"{node.Name}'s Patroni started; it rejoins by itself.") : started;
        }

        var answer = await PatroniRestApi.PostAsync(node, "/reinitialize", new { force = true }, RestApiPassword, command.CancellationToken).ConfigureAwait(false);
        return IsRecoveringAlready(answer)
            ? CommandResults.Success($"{node.Name}'s Patroni is already bringing it back ({answer.Body}); it rejoins by itself.")
            : Result(answer);
    }

    /// <summary>
    /// A forced reinitialisation cancels only a clone; a recovery Patroni runs by itself (crash recovery in single-user
    /// mode, a rewind) keeps going, and Patroni answers 503 "… already in progress". The node is rejoining already.
    /// </summary>
    private static bool IsRecoveringAlready(PatroniAnswer answer) =>
        answer.Status == 503 && answer.Body.EndsWith("already in progress", StringComparison.Ordinal);

    /// <summary>
    /// A stopped node always may be started, leader or not: in synchronous mode, a primary that died while Patroni named
    /// no standby is the only member that may lead again. A running one is reinitialised from a leader when it is
    /// unhealthy, or does not stream from the leader, and its Patroni has settled: not while it is still starting or
    /// cloning itself, when a forced reinitialisation would run a second clone into the same data directory beside its
    /// own. Patroni calls a replica "running" whether or not it follows: a former primary it started as a standby before
    /// checking for divergence replays its own timeline and can never stream ("new timeline forked off … before current
    /// recovery point"), and Patroni does not always rewind it.
    /// </summary>
    public bool CanRejoin(PostgresNode node, CustomResourceSnapshot snapshot) =>
        !snapshot.IsRunning()
        || (snapshot.PropertyValue(ReplicaSetProperties.Primary) is { } primary && primary != node.Name
            && (snapshot.HealthStatus != HealthStatus.Healthy || snapshot.PropertyValue(ReplicaSetProperties.LagBytes) is null)
            && snapshot.PropertyValue(ReplicaSetProperties.PatroniState) is { } state && !PatroniMember.IsBusy(state));

    private ProgramMember AddNode(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet, IPostgresNodeRuntime runtime, int index,
        ReferenceExpression etcdHosts)
    {
        var set = replicaSet.Resource;
        var name = PostgresReplicaSetResource.NodeName(set.Name, index);
        var placement = runtime.Placement;
        PostgresNode? node = null;
        var program = new NodeProgram(name, IntegrationScripts.PatroniNode,
            [new(PostgresNode.EndpointName, "tcp", ContainerNodeRuntime.ServerPort), new(RestApiEndpointName, "http", RestApiPort)],
            RunsServer: true, Image: IntegrationScripts.PatroniDockerfile, IconName: "DatabaseSwitch", Needs: ["patroni"], InstallHint)
        {
            Configure = resource =>
            {
                node = new PostgresNode(resource.Resource, set, index);
                set.AddNode(node);
                var restApi = resource.GetEndpoint(RestApiEndpointName);
                resource.Environment
                    .WithEnvironment("REPLICATION_PATRONI_CONFIGURATION", PatroniConfiguration.For(node, settings, placement))
                    .WithEnvironment("PGDATA", placement.DataDirectoryOf(name))
                    .WithEnvironment("REPLICATION_WORK_DIR", placement.WorkDirectoryOf(name))
                    .WithEnvironment("ETCD_HOSTS", etcdHosts)
                    .WithEnvironment("PATRONI_POSTGRESQL_LISTEN", placement.ListenAddress(node.Endpoint))
                    .WithEnvironment("PATRONI_POSTGRESQL_CONNECT_ADDRESS", placement.ReachableAddress(node.Endpoint))
                    .WithEnvironment("PATRONI_RESTAPI_LISTEN", placement.ListenAddress(restApi))
                    .WithEnvironment("PATRONI_RESTAPI_CONNECT_ADDRESS", placement.ReachableAddress(restApi))
                    .WithEnvironment("PATRONI_RESTAPI_USERNAME", PatroniRestApi.UserName)
                    .WithEnvironment("PATRONI_RESTAPI_PASSWORD", RestApiPassword)
                    .WithEnvironment("PATRONI_SUPERUSER_USERNAME", PostgresReplicaSetResource.SuperuserName)
                    .WithEnvironment("PATRONI_SUPERUSER_PASSWORD", set.SuperuserPassword)
                    .WithEnvironment("PATRONI_REPLICATION_USERNAME", PostgresReplicaSetResource.ReplicationUserName)
                    .WithEnvironment("PATRONI_REPLICATION_PASSWORD", set.ReplicationPassword)
                    .WithBootstrapEnvironment(set, withSlots: false);
                if (placement.BinDirectory is { } binaries)
                {
                    resource.Environment.WithEnvironment("PATRONI_POSTGRESQL_BIN_DIR", binaries);
                }
            },
        };
        return runtime.AddProgram(builder, replicaSet, program);
    }

    private static ExecuteCommandResult Result(PatroniAnswer answer) =>
        answer.IsSuccess ? CommandResults.Success(answer.Body) : CommandResults.Failure($"Patroni answered {answer.Status}: {answer.Body}");
}
