using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Runs a replica set on the official postgres image (or <c>Postgres:Image</c>): <c>pg-0</c> is
/// Aspire.Hosting.PostgreSQL's <c>AddPostgres</c> (its image, pinned tag, scram-sha-256 and password handling), the
/// replicas are containers of the same image. Every node starts through <c>node-entrypoint.sh</c>, which clones the
/// current primary, follows it, or (on pg-0's first start) hands over to the image's own entrypoint, whose init files
/// create the roles, the slots and the databases: the nodes bootstrap themselves, as they would from a manifest.
/// Fencing is on disk: without data volumes a restarted node gets a new container and empty data, which it clones from
/// the primary; with them, a fence file on the node's volume makes its entrypoint clone afresh instead of starting.
/// </summary>
internal sealed class PostgresContainerRuntime(ContainerRuntimeCli containerRuntime, bool dataVolumes, PostgresImage? imageOverride)
    : IPostgresReplicaSetRuntime
{
    /// <summary>The port PostgreSQL listens on inside every node container.</summary>
    public const int ServerPort = 5432;

    /// <summary>Where the node entrypoint script is mounted inside every node container.</summary>
    public const string EntrypointPath = "/usr/local/bin/node-entrypoint.sh";

    /// <summary>The image keeps PGDATA below this directory; a data volume is mounted here.</summary>
    public const string DataVolumePath = "/var/lib/postgresql";

    private const string ContainerIdProperty = "container.id";

    /// <summary>The fence file as the node entrypoint names it: beside PGDATA, inside the volume.</summary>
    private const string FenceCommand = "touch \"$PGDATA.fenced\"";

    private static readonly TimeSpan FenceTimeout = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<PostgresNode, string> dataVolumeOf = new();

    /// <summary>The scripts the containers run, copied next to this assembly, so a manifest can refer to them too.</summary>
    public static string ScriptsDirectory { get; } =
        Path.Combine(Path.GetDirectoryName(typeof(PostgresContainerRuntime).Assembly.Location)!, "PostgresReplicaSet", "Container");

    /// <summary>pg-0's init files (<c>/docker-entrypoint-initdb.d</c>), run once by the image when it initialises the data.</summary>
    public static string InitFilesDirectory { get; } = Path.Combine(ScriptsDirectory, "initdb");


    public IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> AddNodes(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet)
    {
        var set = replicaSet.Resource;
        var primary = builder.AddPostgres(
                PostgresReplicaSetResource.NodeName(set.Name, 0),
                password: builder.CreateResourceBuilder(set.SuperuserPassword))
            .WithInitFiles(InitFilesDirectory)
            // Direct, as the services' endpoints are: Aspire's proxy keeps accepting connections for a dead container
            // and holds them, so clients would wait for a killed primary instead of moving on to the new one.
            .WithEndpoint(PostgresNode.EndpointName, endpoint => endpoint.IsProxied = false);
        if (imageOverride is not null)
        {
            primary.WithImageRegistry(imageOverride.Registry).WithImage(imageOverride.Repository, imageOverride.Tag);
        }

        List<IResourceBuilder<ContainerResource>> nodes = [primary];

        // The replicas run exactly the primary's image. They wait for a primary themselves (their entrypoint), so
        // they start with pg-0, and an AppHost restarted after a failover needs no particular node first.
        var image = primary.Resource.Annotations.OfType<ContainerImageAnnotation>().Single();
        for (var index = 1; index <= set.Options.Replicas; index++)
        {
            nodes.Add(builder.AddContainer(PostgresReplicaSetResource.NodeName(set.Name, index), image.Image)
                .WithAnnotation(new ContainerImageAnnotation { Registry = image.Registry, Image = image.Image, Tag = image.Tag }, ResourceAnnotationMutationBehavior.Replace)
                .WithEndpoint(targetPort: ServerPort, name: PostgresNode.EndpointName, scheme: "tcp", isProxied: false));
        }

        for (var index = 0; index < nodes.Count; index++)
        {
            var node = new PostgresNode(nodes[index].Resource, set, index);
            set.AddNode(node);
            ConfigureNode(builder, nodes[index], node, replicaSet);
        }

        return nodes;
    }

    public (string Host, int Port) StreamingAddressOf(PostgresNode node) => (node.Name, ServerPort);

    /// <summary>
    /// With data volumes, writes the fence file on the stopped node's volume (a throwaway container of the node's image),
    /// so that whenever it starts again, even under a restarted AppHost, it is cloned from the primary instead of
    /// starting on its own data. Without them there is nothing to fence: the next start makes a new, empty container.
    /// </summary>
    public async Task FenceAsync(PostgresNode node, CancellationToken cancellationToken)
    {
        if (!dataVolumeOf.TryGetValue(node, out var volume))
        {
            return;
        }

        var image = node.Resource.TryGetContainerImageName(out var name) ? name : throw new InvalidOperationException($"{node.Name} has no image.");
        var fenced = await containerRuntime.RunAsync(
            ["run", "--rm", "--volume", $"{volume}:{DataVolumePath}", "--entrypoint", "sh", image, "-c", FenceCommand],
            FenceTimeout, cancellationToken);
        if (!fenced.Succeeded)
        {
            throw new InvalidOperationException($"Could not fence {node.Name} on its data volume {volume}: {fenced.Describe()}");
        }
    }

    /// <summary>The node is cloned afresh from the primary when it starts: fenced with data volumes, a new container without.</summary>
    public async Task RejoinAsync(PostgresNode node, PostgresNode primary, ILogger log, CancellationToken cancellationToken)
    {
        await FenceAsync(node, cancellationToken);
        log.LogInformation("{Node} is cloned afresh from {Primary} as it starts", node.Name, primary.Name);
    }

    public async Task<string?> KillAsync(PostgresNode node, ResourceNotificationService notifications, CancellationToken cancellationToken)
    {
        if (!notifications.TryGetCurrentState(node.Name, out var state)
            || state.Snapshot.Properties.FirstOrDefault(property => property.Name == ContainerIdProperty)?.Value is not string id)
        {
            return null;
        }

        // The postmaster is the container's main process: killing the container with SIGKILL is a crash of the server.
        var killed = await containerRuntime.RunAsync(["kill", "--signal", "KILL", id], TimeSpan.FromSeconds(10), cancellationToken);
        return killed.Succeeded ? $"container {id}" : null;
    }

    private void ConfigureNode(
        IDistributedApplicationBuilder builder, IResourceBuilder<ContainerResource> container, PostgresNode node, IResourceBuilder<PostgresReplicaSetResource> replicaSet)
    {
        var set = replicaSet.Resource;
        container
            .WithParentRelationship(replicaSet)
            .WithBindMount(Path.Combine(ScriptsDirectory, "node-entrypoint.sh"), EntrypointPath, isReadOnly: true)
            .WithEntrypoint("sh")
            // Late: the settings name every other node (synchronous_standby_names), and not all are added yet.
            .WithArgs(context => context.Args.Append([EntrypointPath, .. PostgresServerSettings.AsArguments(node, set.Options)]))
            .WithEnvironment("NODE_NAME", node.Name)
            .WithEnvironment("INITIAL_PRIMARY", node.Index == 0 ? "true" : "false")
            .WithEnvironment("REPLICATION_USER", PostgresReplicaSetResource.ReplicationUserName)
            .WithEnvironment("REPLICATION_PASSWORD", set.ReplicationPassword)
            .WithEnvironment("REPLICATION_SLOT", node.SlotName)
            .WithEnvironment(context => context.EnvironmentVariables["OTHER_NODES"] = OtherNodes(node));
        if (node == set.InitialPrimary)
        {
            container.WithBootstrapEnvironment(set);
        }

        if (dataVolumes)
        {
            var volume = VolumeNameGenerator.Generate(container, "data");
            dataVolumeOf[node] = volume;
            container.WithVolume(volume, DataVolumePath);
        }
    }

    /// <summary><c>host:port host:port …</c> of every other node, as the containers reach each other.</summary>
    private static ReferenceExpression OtherNodes(PostgresNode node)
    {
        var expression = new ReferenceExpressionBuilder();
        var separator = "";
        foreach (var other in node.Parent.Nodes.Where(other => other != node))
        {
            expression.AppendLiteral(separator);
            separator = " ";
            expression.Append($"{other.Endpoint.Property(EndpointProperty.HostAndPort)}");
        }

        return expression.Build();
    }
}
