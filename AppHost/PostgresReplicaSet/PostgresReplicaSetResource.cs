namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A PostgreSQL primary and its streaming replicas. The set itself runs nothing: it owns the nodes
/// (<c>pg-0</c> … <c>pg-N</c>), the roles' passwords and the databases, and shows the runtime and
/// durability in the dashboard.
/// </summary>
public sealed class PostgresReplicaSetResource(
    string name,
    ParameterResource superuserPassword,
    ParameterResource replicationPassword,
    ParameterResource applicationPassword,
    PostgresReplicaSetOptions options) : Resource(name)
{
    public const string SuperuserName = "postgres";
    public const string ReplicationUserName = "replicator";
    public const string ApplicationUserName = "app";

    private readonly List<PostgresNode> nodes = [];
    private readonly List<PostgresReplicaSetDatabaseResource> databases = [];

    public ParameterResource SuperuserPassword { get; } = superuserPassword;

    public ParameterResource ReplicationPassword { get; } = replicationPassword;

    /// <summary>The password of the application role: it owns the databases and is not a superuser.</summary>
    public ParameterResource ApplicationPassword { get; } = applicationPassword;

    public PostgresReplicaSetOptions Options { get; } = options;

    /// <summary>Every node, <c>pg-0</c> (the initial primary) first.</summary>
    public IReadOnlyList<PostgresNode> Nodes => nodes;

    public IReadOnlyList<PostgresReplicaSetDatabaseResource> Databases => databases;

    public PostgresNode InitialPrimary => nodes[0];

    /// <summary>The runtime (process or container) the nodes run on.</summary>
    internal IPostgresReplicaSetRuntime Runtime { get; set; } = null!;

    /// <summary>The node the AppHost last made primary: pg-0 at first, the promoted replica after a failover.</summary>
    public PostgresNode CurrentPrimary { get; internal set; } = null!;

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

    /// <summary><c>{set}-{index}</c>: <c>pg-0</c>, <c>pg-1</c>, …</summary>
    internal static string NodeName(string replicaSetName, int index) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{replicaSetName}-{index}");

    internal void AddNode(PostgresNode node)
    {
        nodes.Add(node);
        CurrentPrimary ??= node;
    }

    internal void AddDatabase(PostgresReplicaSetDatabaseResource database) => databases.Add(database);
}
