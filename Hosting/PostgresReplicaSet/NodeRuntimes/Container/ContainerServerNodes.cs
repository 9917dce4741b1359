using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// The supervisor's nodes as containers: <c>pg-0</c> is Aspire.Hosting.PostgreSQL's <c>AddPostgres</c> (its image,
/// pinned tag, scram-sha-256 and password handling), the replicas are containers of the same image. Every node starts
/// through <see cref="IntegrationScripts.NodeEntrypoint"/>, which clones the current primary, follows it, or (on pg-0's
/// first start) hands over to the image's own entrypoint, whose init files create the roles, the slots and the
/// databases: the nodes bootstrap themselves, as they would from a manifest.
/// </summary>
internal sealed class ContainerServerNodes(ContainerNodeRuntime runtime)
{
    public IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> Add(IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet)
    {
        var set = replicaSet.Resource;
        var primary = builder.AddPostgres(
                PostgresReplicaSetResource.NodeName(set.Name, 0),
                password: builder.CreateResourceBuilder(set.SuperuserPassword))
            .WithInitFiles(IntegrationScripts.PathOf(IntegrationScripts.InitFiles))
            .WithEndpoint(PostgresNode.EndpointName, endpoint => endpoint.IsProxied = false);
        runtime.UseImage(primary, dockerfile: null);

        // The replicas run exactly the primary's image. They wait for a primary themselves (their entrypoint), so
        // they start with pg-0, and an AppHost restarted after a failover needs no particular node first.
        var image = primary.Resource.Annotations.OfType<ContainerImageAnnotation>().Single();
        List<IResourceBuilder<ContainerResource>> nodes = [primary];
        for (var index = 1; index <= set.Settings.Replicas; index++)
        {
            nodes.Add(builder.AddContainer(PostgresReplicaSetResource.NodeName(set.Name, index), image.Image)
                .WithAnnotation(new ContainerImageAnnotation { Registry = image.Registry, Image = image.Image, Tag = image.Tag }, ResourceAnnotationMutationBehavior.Replace)
                .WithEndpoint(targetPort: ContainerNodeRuntime.ServerPort, name: PostgresNode.EndpointName, scheme: "tcp", isProxied: false));
        }

        for (var index = 0; index < nodes.Count; index++)
        {
            var node = new PostgresNode(nodes[index].Resource, set, index);
            set.AddNode(node);
            Configure(nodes[index], node, replicaSet);
        }

        return nodes;
    }

    private void Configure(IResourceBuilder<ContainerResource> container, PostgresNode node, IResourceBuilder<PostgresReplicaSetResource> replicaSet)
    {
        var set = replicaSet.Resource;
        container
            .WithParentRelationship(replicaSet)
            .WithIconName("Database")
            .WithEntrypoint("sh")
            // Late: the settings name every other node (synchronous_standby_names), and not all are added yet.
            .WithArgs(context => context.Args.Append([
                runtime.Placement.ScriptPath(IntegrationScripts.NodeEntrypoint),
                .. PostgresServerSettings.AsArguments(node, set.Settings, runtime.Placement.ServerParameters)]))
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

        runtime.ConfigureMember(container, node.Name);
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
