namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A database on a replica set. Its connection string names every node, so clients route
/// writes to the current primary and reads to the standbys.
/// </summary>
/// <remarks>
/// Shown under its set in the dashboard, but not an <c>IResourceWithParent</c>: Aspire's WaitFor would wait for the set
/// too, whose state is a summary of its nodes ("Primary pg 1 with 2 of 2 replicas streaming"). The database is ready, and turns
/// Running, once the set is open; it is healthy once the application role can write to it.
/// </remarks>
public sealed class PostgresReplicaSetDatabaseResource : Resource, IResourceWithConnectionString
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
