using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Runs a replica set on the official postgres image: <c>pg-0</c> is Aspire.Hosting.PostgreSQL's <c>AddPostgres</c>
/// (its image, pinned tag, scram-sha-256 and password handling), the replicas are containers of the same image.
/// Every node starts through <c>node-entrypoint.sh</c>, which clones the current primary, follows it, or (on pg-0's
/// first start) hands over to the image's own entrypoint. A former primary is fenced by that script too: when it
/// starts while another node is primary, it is cloned afresh, so it can never come back as a second primary.
/// </summary>
internal sealed class PostgresContainerRuntime(ContainerRuntimeCli containerRuntime, bool dataVolumes) : IPostgresReplicaSetRuntime
{
    /// <summary>The port PostgreSQL listens on inside every node container.</summary>
    public const int ServerPort = 5432;

    /// <summary>Where the node entrypoint script is mounted inside every node container.</summary>
    public const string EntrypointPath = "/usr/local/bin/node-entrypoint.sh";

    /// <summary>The image keeps PGDATA below this directory; a data volume is mounted here.</summary>
    public const string DataVolumePath = "/var/lib/postgresql";

    private const string ContainerIdProperty = "container.id";

    /// <summary>The scripts the containers run, copied next to this assembly, so a manifest can refer to them too.</summary>
    public static string ScriptsDirectory { get; } =
        Path.Combine(Path.GetDirectoryName(typeof(PostgresContainerRuntime).Assembly.Location)!, "PostgresReplicaSet", "Container");

    public IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> AddNodes(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet)
    {
        var set = replicaSet.Resource;
        var primary = builder.AddPostgres(
                PostgresReplicaSetResource.NodeName(set.Name, 0),
                password: builder.CreateResourceBuilder(set.SuperuserPassword))
            .WithInitFiles(Path.Combine(ScriptsDirectory, "initdb"))
            .WithEndpoint(PostgresNode.EndpointName, endpoint => endpoint.IsProxied = false);
        List<IResourceBuilder<ContainerResource>> nodes = [primary];

        // The replicas run exactly the image AddPostgres pinned for the primary.
        var image = primary.Resource.Annotations.OfType<ContainerImageAnnotation>().Single();
        for (var index = 1; index <= set.Options.Replicas; index++)
        {
            nodes.Add(builder.AddContainer(PostgresReplicaSetResource.NodeName(set.Name, index), image.Image)
                .WithAnnotation(new ContainerImageAnnotation { Registry = image.Registry, Image = image.Image, Tag = image.Tag }, ResourceAnnotationMutationBehavior.Replace)
                .WithEndpoint(targetPort: ServerPort, name: PostgresNode.EndpointName, scheme: "tcp", isProxied: false)
                // The set turns Running once the primary is bootstrapped, i.e. once the replication slots exist.
                .WaitFor(replicaSet));
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

    /// <summary>Nothing to do while the node is stopped: its entrypoint fences it when it starts (see the class summary).</summary>
    public Task FenceAsync(PostgresNode node, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RejoinAsync(PostgresNode node, PostgresNode primary, ILogger log, CancellationToken cancellationToken)
    {
        log.LogInformation("{Node} rejoins as it starts: its entrypoint follows {Primary}, or clones it if this was a former primary", node.Name, primary.Name);
        return Task.CompletedTask;
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
        if (node.Index == 0)
        {
            // What the init files (initdb/) create when pg-0 initialises its data: the set bootstraps itself.
            container
                .WithEnvironment("APP_USER", PostgresReplicaSetResource.ApplicationUserName)
                .WithEnvironment("APP_PASSWORD", set.ApplicationPassword)
                .WithEnvironment(context =>
                {
                    context.EnvironmentVariables["DATABASES"] = string.Join(' ', set.Databases.Select(database => database.DatabaseName));
                    context.EnvironmentVariables["REPLICA_SLOTS"] = string.Join(' ', set.Nodes.Where(other => other != node).Select(other => other.SlotName));
                });
        }

        if (dataVolumes)
        {
            container.WithVolume(VolumeNameGenerator.Generate(container, "data"), DataVolumePath);
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
