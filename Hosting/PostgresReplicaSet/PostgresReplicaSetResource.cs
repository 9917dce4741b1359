using System.Collections.Concurrent;
using System.Globalization;
using Replication.Hosting.PostgresReplicaSet;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A PostgreSQL primary and its streaming replicas. The set itself runs nothing: it owns the nodes
/// (<c>pg-0</c> … <c>pg-N</c>), the roles' passwords and the databases, and shows the runtime and
/// durability in the dashboard. Which node is primary right now is run-time state, kept by the set's HA manager,
/// not by this resource. Two choices shape it, each made once: where its nodes run (processes or containers) and
/// what fails them over (the dev supervisor or Patroni).
/// </summary>
public sealed class PostgresReplicaSetResource : Resource
{
    /// <summary>The superuser every node is initialised with.</summary>
    public const string SuperuserName = "postgres";

    /// <summary>
    /// A custom server setting every node carries with its own name (pg-N), for a client to tell which node it is on:
    /// <c>SELECT current_setting('replication.node_name', true)</c>. <c>cluster_name</c> says as much under the supervisor,
    /// but Patroni sets it to its scope on every node.
    /// </summary>
    public const string NodeNameSetting = "replication.node_name";

    /// <summary>The role replicas stream as (<c>LOGIN REPLICATION</c>, nothing else).</summary>
    public const string ReplicationUserName = "replicator";

    /// <summary>The role the services connect as: it owns the databases and is not a superuser.</summary>
    public const string ApplicationUserName = "app";

    private readonly List<PostgresNode> nodes = [];
    private readonly List<PostgresReplicaSetDatabaseResource> databases = [];
    private readonly List<IResource> consensusMembers = [];

    internal PostgresReplicaSetResource(
        string name,
        ParameterResource superuserPassword,
        ParameterResource replicationPassword,
        ParameterResource applicationPassword,
        PostgresReplicaSetSettings settings,
        IPostgresNodeRuntime nodeRuntime,
        IPostgresHaManager haManager) : base(name)
    {
        SuperuserPassword = superuserPassword;
        ReplicationPassword = replicationPassword;
        ApplicationPassword = applicationPassword;
        Settings = settings;
        NodeRuntime = nodeRuntime;
        HaManager = haManager;
    }

    /// <summary>The superuser's password (a generated parameter).</summary>
    public ParameterResource SuperuserPassword { get; }

    /// <summary>The replication role's password (a generated parameter).</summary>
    public ParameterResource ReplicationPassword { get; }

    /// <summary>The application role's password (a generated parameter).</summary>
    public ParameterResource ApplicationPassword { get; }

    /// <summary>The settings the set was built with.</summary>
    public PostgresReplicaSetSettings Settings { get; }

    /// <summary>
    /// How long a primary that stopped answering keeps its role before the HA manager may promote another node: the
    /// supervisor's <c>FailoverAfter</c>, or Patroni's leader lock <c>ttl</c>.
    /// </summary>
    public TimeSpan FailoverDelay => HaManager.FailoverDelay;

    /// <summary>The members that hold the HA manager's consensus (Patroni's etcd members); none under the supervisor.</summary>
    public IReadOnlyList<IResource> ConsensusMembers => consensusMembers;

    /// <summary>Every node, <c>pg-0</c> (the initial primary) first.</summary>
    public IReadOnlyList<PostgresNode> Nodes => nodes;

    /// <summary>The databases added with <c>AddDatabase</c>.</summary>
    public IReadOnlyList<PostgresReplicaSetDatabaseResource> Databases => databases;

    /// <summary>The node that is initialised as the primary: <c>pg-0</c>.</summary>
    public PostgresNode InitialPrimary => nodes[0];

    /// <summary>
    /// <c>host0:port0,host1:port1,…</c>: every node, so Npgsql's multi-host data source can find the
    /// current primary and the standbys itself, whatever their roles are now.
    /// </summary>
    public ReferenceExpression HostList
    {
        get
        {
            var builder = new ReferenceExpressionBuilder();
            for (var i = 0; i < nodes.Count; i++)
            {
                if (i > 0)
                {
                    builder.AppendLiteral(",");
                }

                builder.Append($"{nodes[i].Endpoint.Property(EndpointProperty.IPV4Host)}:{nodes[i].Endpoint.Property(EndpointProperty.Port)}");
            }

            return builder.Build();
        }
    }

    /// <summary>Where the nodes run: processes or containers.</summary>
    internal IPostgresNodeRuntime NodeRuntime { get; }

    /// <summary>What fails the nodes over: the supervisor or Patroni.</summary>
    internal IPostgresHaManager HaManager { get; }

    /// <summary>Whether the set is open: its primary is known, so the services that wait for its databases may start.</summary>
    internal bool IsOpen { get; set; }

    /// <summary><c>{set}-{index}</c>: <c>pg-0</c>, <c>pg-1</c>, …</summary>
    internal static string NodeName(string replicaSetName, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{replicaSetName}-{index}");

    internal void AddNode(PostgresNode node) => nodes.Add(node);

    internal void AddDatabase(PostgresReplicaSetDatabaseResource database) => databases.Add(database);

    internal void AddConsensusMember(IResource member) => consensusMembers.Add(member);
}
