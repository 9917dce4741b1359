namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The etcd members that hold Patroni's leader lock and the cluster's state: <c>{set}-etcd-0</c> … , one by default,
/// three or five for a real quorum (<c>Postgres:EtcdMembers</c>). Each is an executable on loopback with a client and a
/// peer endpoint, healthy when its <c>/health</c> says so (it answers 503 while it has no raft leader).
/// </summary>
internal static class EtcdCluster
{
    public const string ClientEndpointName = "client";
    public const string PeerEndpointName = "peer";

    /// <summary>Adds the members; returns them and <c>host:port,…</c> of their client endpoints, for Patroni.</summary>
    public static (IReadOnlyList<IResourceBuilder<ExecutableResource>> Members, ReferenceExpression ClientHosts) Add(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet, RunDirectory runDirectory,
        PatroniInstallation patroni)
    {
        var count = replicaSet.Resource.Options.EtcdMembers;
        var members = Enumerable.Range(0, count)
            .Select(index => builder.AddExecutable(PostgresReplicaSetResource.NodeName($"{replicaSet.Resource.Name}-etcd", index), patroni.Etcd, runDirectory.Path)
                .WithHttpEndpoint(name: ClientEndpointName, isProxied: false)
                .WithHttpEndpoint(name: PeerEndpointName, isProxied: false)
                .WithHttpHealthCheck("/health", endpointName: ClientEndpointName)
                .WithParentRelationship(replicaSet)
                .WithIconName("BranchFork")
                .ExcludeFromManifest())
            .ToList();

        var initialCluster = List(members, member => ReferenceExpression.Create(
            $"{member.Resource.Name}=http://127.0.0.1:{member.GetEndpoint(PeerEndpointName).Property(EndpointProperty.TargetPort)}"));
        foreach (var member in members)
        {
            var client = member.GetEndpoint(ClientEndpointName).Property(EndpointProperty.TargetPort);
            var peer = member.GetEndpoint(PeerEndpointName).Property(EndpointProperty.TargetPort);
            member.WithArgs(context =>
            {
                context.Args.Append([
                    "--name", member.Resource.Name,
                    "--data-dir", Path.Combine(runDirectory.Path, member.Resource.Name),
                    "--listen-client-urls", ReferenceExpression.Create($"http://127.0.0.1:{client}"),
                    "--advertise-client-urls", ReferenceExpression.Create($"http://127.0.0.1:{client}"),
                    "--listen-peer-urls", ReferenceExpression.Create($"http://127.0.0.1:{peer}"),
                    "--initial-advertise-peer-urls", ReferenceExpression.Create($"http://127.0.0.1:{peer}"),
                    "--initial-cluster", initialCluster,
                    "--initial-cluster-state", "new",
                    "--initial-cluster-token", replicaSet.Resource.Name,
                ]);
                if (patroni.UsesEtcdV2)
                {
                    context.Args.Add("--enable-v2=true");
                }
            });
        }

        return (members, List(members, member => ReferenceExpression.Create(
            $"127.0.0.1:{member.GetEndpoint(ClientEndpointName).Property(EndpointProperty.TargetPort)}")));
    }

    private static ReferenceExpression List(IEnumerable<IResourceBuilder<ExecutableResource>> members, Func<IResourceBuilder<ExecutableResource>, ReferenceExpression> item)
    {
        var builder = new ReferenceExpressionBuilder();
        var first = true;
        foreach (var member in members)
        {
            if (!first)
            {
                builder.AppendLiteral(",");
            }

            builder.Append($"{item(member)}");
            first = false;
        }

        return builder.Build();
    }
}
