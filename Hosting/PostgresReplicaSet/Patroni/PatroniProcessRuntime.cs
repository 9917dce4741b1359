using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Runs a replica set under Patroni, on the machine's binaries: etcd members, then one Patroni process per node, as
/// the server user. Patroni owns its PostgreSQL: pg-0 bootstraps the cluster (initdb, post_bootstrap), the replicas
/// clone it with pg_basebackup once it leads, and Patroni fails over, fences (the leader lock), rewinds and manages the
/// slots. The AppHost only starts the processes and reads their REST API.
/// </summary>
internal sealed class PatroniProcessRuntime(PatroniInstallation patroni, RunDirectory runDirectory) : IPostgresReplicaSetRuntime
{
    /// <summary>The endpoint of each node's Patroni REST API.</summary>
    public const string RestApiEndpointName = "patroni";

    private readonly Dictionary<PostgresNode, PatroniNodeDirectory> directories = [];

    /// <summary>The password of the REST API's unsafe methods; a generated parameter, set by <see cref="AddNodes"/>.</summary>
    public ParameterResource RestApiPassword { get; private set; } = null!;

    public IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> AddNodes(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet)
    {
        var name = replicaSet.Resource.Name;
        RestApiPassword = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-patroni-password", special: false);
        var (etcdMembers, etcdHosts) = EtcdCluster.Add(builder, replicaSet, runDirectory, patroni);
        // The set's one bootstrap script (roles, databases), copied where the server user can read it; Patroni runs it
        // once, on the node that ran initdb, with the node's environment, and makes the replicas' slots itself.
        var bootstrapScript = Path.Combine(runDirectory.Path, Path.GetFileName(ReplicaSetBootstrap.ScriptPath));
        var postBootstrap = string.Join(' ', Path.Combine(patroni.PostgresBinDirectory, "psql"),
            "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", $"--file={bootstrapScript}");

        if (builder.ExecutionContext.IsRunMode)
        {
            runDirectory.CreateAtStart(builder, async (_, cancellationToken) => await WriteFilesAsync(bootstrapScript, postBootstrap, cancellationToken));
        }


        var nodes = new List<IResourceBuilder<IResourceWithEndpoints>>();
        for (var index = 0; index <= replicaSet.Resource.Options.Replicas; index++)
        {
            var node = AddNode(builder, replicaSet, index, etcdHosts);
            foreach (var member in etcdMembers)
            {
                node.WaitFor(member);
            }

            // pg-0 bootstraps the cluster; the others clone it once it leads, so the initial primary is pg-0, as with the supervisor.
            nodes.Add(index == 0 ? node : node.WaitFor(replicaSet));
        }

        return nodes;
    }

    public (string Host, int Port) StreamingAddressOf(PostgresNode node) => ("127.0.0.1", node.Endpoint.TargetPort!.Value);

    /// <summary>Patroni fences with its leader lock: a node without it never runs as a primary.</summary>
    public Task FenceAsync(PostgresNode node, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Patroni rejoins a node itself (pg_rewind, or a new base backup on Reinit).</summary>
    public Task RejoinAsync(PostgresNode node, PostgresNode primary, ILogger log, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Under Patroni a node rejoins by itself; use Reinit to rebuild it from the leader.");

    /// <summary>SIGKILLs the postmaster (not Patroni): found through its pid file, since Patroni starts it detached.</summary>
    public Task<string?> KillAsync(PostgresNode node, ResourceNotificationService notifications, CancellationToken cancellationToken)
    {
        if (PostmasterOf(node) is not { } pid)
        {
            return Task.FromResult<string?>(null);
        }

        PostgresProcesses.KillIfPostmaster(pid);
        return Task.FromResult<string?>(string.Create(CultureInfo.InvariantCulture, $"process {pid}"));
    }

    /// <summary>The node's running postmaster, or null.</summary>
    public int? PostmasterOf(PostgresNode node) =>
        directories.TryGetValue(node, out var directory) && PostmasterPidFile.Read(directory.PostmasterPidFile) is { } pid
        && Replication.Processes.ProcessTree.IsAlive(pid)
            ? pid
            : null;

    /// <summary>The base URL of the node's REST API.</summary>
    public static Uri RestApiOf(PostgresNode node) => new(node.Resource.GetEndpoint(RestApiEndpointName).Url);

    private async Task WriteFilesAsync(string bootstrapScript, string postBootstrap, CancellationToken cancellationToken)
    {
        runDirectory.WritePrivateFile(bootstrapScript, await File.ReadAllTextAsync(ReplicaSetBootstrap.ScriptPath, cancellationToken));
        foreach (var (node, directory) in directories)
        {
            runDirectory.CreatePrivateDirectory(directory.Path);
            runDirectory.WritePrivateFile(directory.ConfigurationFile, PatroniConfiguration.For(node, directory, patroni, postBootstrap));
        }
    }

    private IResourceBuilder<ExecutableResource> AddNode(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet, int index, ReferenceExpression etcdHosts)
    {
        var name = PostgresReplicaSetResource.NodeName(replicaSet.Resource.Name, index);
        var directory = new PatroniNodeDirectory(runDirectory.DataDirectoryOf(name));
        var (command, prefix) = runDirectory.ServerUser.Wrap(patroni.Patroni);
        var resource = builder.AddExecutable(name, command, directory.Path, [.. prefix, directory.ConfigurationFile])
            .WithEndpoint(name: PostgresNode.EndpointName, scheme: "tcp", isProxied: false)
            .WithHttpEndpoint(name: RestApiEndpointName, isProxied: false)
            .WithParentRelationship(replicaSet)
            .WithIconName("DatabaseSwitch");
        var node = new PostgresNode(resource.Resource, replicaSet.Resource, index);
        replicaSet.Resource.AddNode(node);
        directories[node] = directory;
        return resource.WithPatroniEnvironment(node, resource.GetEndpoint(RestApiEndpointName), etcdHosts, RestApiPassword, patroni)
            .WithBootstrapEnvironment(replicaSet.Resource, withSlots: false);
    }
}
