namespace Replication.Contracts;

/// <summary>
/// The graph's resource names in the AppHost (DESIGN.md). They are also names other processes use: service discovery
/// resolves <c>http://primaryservice</c> in the gateway, and the services read the <c>usersdb</c> connection string.
/// </summary>
public static class ResourceNames
{
    /// <summary>The PostgreSQL replica set; its nodes are <c>pg-0</c>, <c>pg-1</c>, ….</summary>
    public const string ReplicaSet = "pg";

    /// <summary>The database both services use; its connection string names every node.</summary>
    public const string UsersDatabase = "usersdb";

    /// <summary>The service the gateway sends every request to first.</summary>
    public const string PrimaryService = "primaryservice";

    /// <summary>The service the gateway fails over to.</summary>
    public const string BackupService = "backupservice";

    /// <summary>The graph's only external entry point.</summary>
    public const string Gateway = "gateway";
}
