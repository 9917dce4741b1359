using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// The etcd members that hold Patroni's leader lock and the cluster's state: <c>{set}-etcd-0</c> …, one by default,
/// three or five for a real quorum. Each has a client and a peer endpoint, and is healthy when its <c>/health</c> says
/// so (it answers 503 while it has no raft leader). They run where the nodes run, from the same image.
/// </summary>
internal static class EtcdCluster
{
    public const string ClientEndpointName = "client";
    public const string PeerEndpointName = "peer";

    private const int ClientPort = 2379;
    private const int PeerPort = 2380;

    /// <summary>Adds the members; returns them and <c>host:port,…</c> of their client endpoints, as the nodes reach them.</summary>
    public static (IReadOnlyList<ProgramMember> Members, ReferenceExpression ClientAddresses) Add(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet, IPostgresNodeRuntime runtime, int count)
    {
        var set = replicaSet.Resource;
        var placement = runtime.Placement;
        var names = Enumerable.Range(0, count).Select(index => PostgresReplicaSetResource.NodeName($"{set.Name}-etcd", index)).ToList();
        var members = new List<ProgramMember>();
        foreach (var name in names)
        {
            var program = new NodeProgram(name, IntegrationScripts.EtcdMember,
                [new(ClientEndpointName, "http", ClientPort), new(PeerEndpointName, "http", PeerPort)],
                RunsServer: false, Image: IntegrationScripts.PatroniDockerfile, IconName: "BranchFork", Needs: ["etcd"], PatroniHaManager.InstallHint)
            {
                // etcd reads these itself; the script reads them too, to take its own place in a cluster that runs without it.
                Configure = member =>
                {
                    member.Environment
                        .WithEnvironment("ETCD_NAME", name)
                        .WithEnvironment("ETCD_DATA_DIR", $"{placement.WorkDirectoryOf(name)}/etcd")
                        .WithEnvironment("ETCD_LISTEN_CLIENT_URLS", Url(placement.ListenAddress(member.GetEndpoint(ClientEndpointName))))
                        .WithEnvironment("ETCD_ADVERTISE_CLIENT_URLS", Url(placement.ReachableAddress(member.GetEndpoint(ClientEndpointName))))
                        .WithEnvironment("ETCD_LISTEN_PEER_URLS", Url(placement.ListenAddress(member.GetEndpoint(PeerEndpointName))))
                        .WithEnvironment("ETCD_INITIAL_ADVERTISE_PEER_URLS", Url(placement.ReachableAddress(member.GetEndpoint(PeerEndpointName))))
                        .WithEnvironment("ETCD_INITIAL_CLUSTER_STATE", "new")
                        .WithEnvironment("ETCD_INITIAL_CLUSTER_TOKEN", set.Name);
                    member.Endpoints.WithHttpHealthCheck("/health", endpointName: ClientEndpointName);
                },
            };
            var added = runtime.AddProgram(builder, replicaSet, program);
            set.AddConsensusMember(added.Resource);
            members.Add(added);
        }

        // Every member, so known only once all are added.
        var initialCluster = List(members, member => ReferenceExpression.Create(
            $"{member.Resource.Name}={Url(placement.ReachableAddress(member.GetEndpoint(PeerEndpointName)))}"));
        var clients = List(members, member => placement.ReachableAddress(member.GetEndpoint(ClientEndpointName)));
        foreach (var member in members)
        {
            member.Environment.WithEnvironment("ETCD_INITIAL_CLUSTER", initialCluster).WithEnvironment("REPLICATION_ETCD_CLIENTS", clients);
        }

        return (members, clients);
    }

    private static ReferenceExpression Url(ReferenceExpression address) => ReferenceExpression.Create($"http://{address}");

    private static ReferenceExpression List(IEnumerable<ProgramMember> members, Func<ProgramMember, ReferenceExpression> item)
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
