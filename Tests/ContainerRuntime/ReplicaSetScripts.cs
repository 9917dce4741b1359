namespace Replication.Tests.ContainerRuntime;

/// <summary>
/// The replica set's scripts as a user of Replication.Hosting sees them: beside the assembly, in
/// <c>PostgresReplicaSet/Scripts</c> of the build output (the package's targets put them there too), and mounted at
/// <c>/opt/replication</c> in every node's container.
/// </summary>
internal static class ReplicaSetScripts
{
    public const string ContainerDirectory = "/opt/replication";

    public const string NodeEntrypoint = "node-entrypoint.sh";

    public const string InitFiles = "initdb";

    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "PostgresReplicaSet", "Scripts");

    public static string PathOf(string script) => Path.Combine(Directory, script);
}
