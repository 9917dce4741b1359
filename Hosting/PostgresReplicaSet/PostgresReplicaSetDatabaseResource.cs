namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A database on a replica set. Its connection string names every node, so clients route
/// writes to the current primary and reads to the standbys.
/// </summary>
public sealed class PostgresReplicaSetDatabaseResource : Resource, IResourceWithParent<PostgresReplicaSetResource>, IResourceWithConnectionString
{
    internal PostgresReplicaSetDatabaseResource(string name, string databaseName, PostgresReplicaSetResource parent) : base(name)
    {
        DatabaseName = databaseName;
        Parent = parent;
    }

    /// <summary>The replica set the database lives on.</summary>
    public PostgresReplicaSetResource Parent { get; }

    /// <summary>The database's name in PostgreSQL.</summary>
    public string DatabaseName { get; }

    /// <summary><c>Host=every node;Database=…;Username=app;Password=…</c>, resolved late (run mode and manifest alike).</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={Parent.HostList};Database={DatabaseName};Username={PostgresReplicaSetResource.ApplicationUserName};Password={Parent.ApplicationPassword}");
}
