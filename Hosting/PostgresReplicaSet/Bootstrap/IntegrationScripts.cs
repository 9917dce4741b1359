namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// The scripts the members run and the files they read, shipped beside this assembly (the package's buildTransitive
/// targets copy them there from its <c>scripts</c> folder, in every project that references it): the nodes
/// bootstrap themselves with them, in the AppHost and in a deployed manifest alike. A container mounts the directory;
/// the process runtime copies it into its run directory, where the server user can read it.
/// </summary>
internal static class IntegrationScripts
{
    /// <summary>Every node of the supervisor's set, in a container: clones, follows or initialises, then runs the server.</summary>
    public const string NodeEntrypoint = "node-entrypoint.sh";

    /// <summary>Every node of a Patroni set: writes its configuration, picks the etcd API, then runs Patroni.</summary>
    public const string PatroniNode = "patroni-node.sh";

    /// <summary>Every etcd member of a Patroni set.</summary>
    public const string EtcdMember = "etcd-member.sh";

    /// <summary>The initial primary's init files (<c>/docker-entrypoint-initdb.d</c> in the supervisor's containers).</summary>
    public const string InitFiles = "initdb";

    /// <summary>The set's roles, slots and databases, made once on the initial primary, whatever the runtime and HA manager.</summary>
    public const string BootstrapSql = "initdb/20-replica-set.sql";

    /// <summary>The initial primary's pg_hba lines for the replication role, in the supervisor's containers.</summary>
    public const string ReplicationHba = "initdb/10-replication-hba.sh";

    /// <summary>The default Patroni image: the official postgres image with Patroni and etcd added.</summary>
    public const string PatroniDockerfile = "patroni/Dockerfile";

    /// <summary>Where the scripts are mounted in every container.</summary>
    public const string ContainerDirectory = "/opt/replication";

    /// <summary>The scripts beside this assembly.</summary>
    public static string Directory { get; } =
        Path.Combine(Path.GetDirectoryName(typeof(IntegrationScripts).Assembly.Location)!, "PostgresReplicaSet", "Scripts");

    /// <summary>One of them, beside this assembly.</summary>
    public static string PathOf(string script) => Path.Combine(Directory, script);

    /// <summary>Why the scripts cannot be used (a build or package that lost them), or null when they are all there.</summary>
    public static string? Missing()
    {
        string[] required = [NodeEntrypoint, PatroniNode, EtcdMember, BootstrapSql, ReplicationHba, PatroniDockerfile];
        var missing = required.Where(script => !File.Exists(PathOf(script))).ToList();
        return missing.Count == 0
            ? null
            : $"The replica set's scripts are missing from {Directory} ({string.Join(", ", missing)}): the build output is incomplete. " +
              "Reference the Replication.Hosting package from the project that runs the AppHost (its build copies them there), and rebuild.";
    }
}
