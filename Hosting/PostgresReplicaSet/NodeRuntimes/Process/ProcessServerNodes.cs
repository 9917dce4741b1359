using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// The supervisor's nodes on the machine's binaries, as Aspire executables, each helper a resource of its own under its
/// node: <c>initdb</c> (once per machine, <see cref="InitDbCache"/>) → primary → the set's bootstrap script (psql) → <c>pg_basebackup</c> per replica → replica.
/// </summary>
internal sealed class ProcessServerNodes(PostgresBinaries binaries, RunDirectory runDirectory, ProcessPlacement placement)
{
    public IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> Add(IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet)
    {
        runDirectory.WriteAtStart(_ =>
        {
            runDirectory.WritePrivateFile(runDirectory.HbaFile, string.Join('\n', placement.HostBasedAccessRules) + "\n");
            return Task.CompletedTask;
        });

        var primary = AddPrimary(builder, replicaSet);
        var bootstrap = AddBootstrap(builder, replicaSet, primary);
        List<IResourceBuilder<IResourceWithEndpoints>> nodes = [primary];
        for (var index = 1; index <= replicaSet.Resource.Settings.Replicas; index++)
        {
            nodes.Add(AddReplica(builder, replicaSet, index, bootstrap));
        }

        return nodes;
    }

    private IResourceBuilder<ExecutableResource> AddPrimary(IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet)
    {
        var node = AddNode(builder, replicaSet, index: 0);
        var nodeName = node.Resource.Name;
        string[] initDbOptions = ["--auth", "scram-sha-256", "--encoding", "UTF8", "--locale", "C", "--no-instructions"];
        var cacheEntry = InitDbCache.EntryFor(binaries, [PostgresReplicaSetResource.SuperuserName, .. initDbOptions]);
        runDirectory.WriteAtStart(_ =>
        {
            runDirectory.CreatePrivateDirectory(InitDbCache.Root);
            return Task.CompletedTask;
        });
        var init = builder.AddExecutable($"{nodeName}-init", runDirectory.Launcher("initdb", "sh", [placement.ScriptPath(InitDbCache.Script)], asServerUser: true), runDirectory.Path)
            .WithArgs([
                binaries.BinDirectory, cacheEntry, placement.DataDirectoryOf(nodeName), runDirectory.SuperuserPasswordFile,
                PostgresReplicaSetResource.SuperuserName, .. initDbOptions])
            .WithParentRelationship(node)
            .ExcludeFromManifest()
            .OnBeforeResourceStarted(async (_, _, cancellationToken) =>
                runDirectory.WritePrivateFile(runDirectory.SuperuserPasswordFile,
                    await replicaSet.Resource.SuperuserPassword.GetValueAsync(cancellationToken).ConfigureAwait(false) + "\n"));

        return node.WaitForCompletion(init);
    }

    /// <summary>The set's roles, slots and databases, by the script the container runtime runs as an init file.</summary>
    private IResourceBuilder<ExecutableResource> AddBootstrap(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet, IResourceBuilder<ExecutableResource> primary)
    {
        var node = replicaSet.Resource.InitialPrimary;
        return builder.AddExecutable($"{node.Name}-bootstrap", binaries.Psql, runDirectory.Path)
            .WithArgs(context =>
            {
                context.Args.Append(["--no-psqlrc", "--host", ProcessPlacement.Loopback, "--port"]);
                context.Args.Add(node.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Append([
                    "--username", PostgresReplicaSetResource.SuperuserName,
                    "--dbname", "postgres",
                    "--file", placement.ScriptPath(IntegrationScripts.BootstrapSql)]);
            })
            .WithEnvironment("PGPASSWORD", replicaSet.Resource.SuperuserPassword)
            .WithBootstrapEnvironment(replicaSet.Resource)
            .WithParentRelationship(primary)
            .ExcludeFromManifest()
            .WaitFor(primary);
    }

    private IResourceBuilder<ExecutableResource> AddReplica(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet, int index, IResourceBuilder<ExecutableResource> bootstrap)
    {
        var node = AddNode(builder, replicaSet, index);
        var primary = replicaSet.Resource.InitialPrimary;
        var baseBackup = builder.AddExecutable($"{node.Resource.Name}-basebackup",
                runDirectory.Launcher("pg_basebackup", binaries.BaseBackup, [], asServerUser: true), runDirectory.Path)
            .WithArgs(context =>
            {
                context.Args.Add("--host");
                context.Args.Add(primary.Endpoint.Property(EndpointProperty.IPV4Host));
                context.Args.Add("--port");
                context.Args.Add(primary.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Append([
                    "--username", PostgresReplicaSetResource.ReplicationUserName,
                    "--no-password",
                    "--pgdata", placement.DataDirectoryOf(node.Resource.Name),
                    "--write-recovery-conf",
                    "--wal-method", "stream",
                    "--slot", replicaSet.Resource.Nodes[index].SlotName, // Created, with WAL reserved, by the bootstrap.
                    "--checkpoint", "fast",
                    "--verbose"]);
            })
            .WithEnvironment("PGPASSWORD", replicaSet.Resource.ReplicationPassword)
            .WithParentRelationship(node)
            .ExcludeFromManifest()
            // The replication role and the slot exist once the bootstrap has run.
            .WaitForCompletion(bootstrap);

        return node.WaitForCompletion(baseBackup);
    }

    private IResourceBuilder<ExecutableResource> AddNode(IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet, int index)
    {
        var name = PostgresReplicaSetResource.NodeName(replicaSet.Resource.Name, index);
        runDirectory.AddMemberDirectory(name, forServer: true);
        var resource = builder.AddExecutable(name, runDirectory.Launcher("postgres", binaries.Postgres, [], asServerUser: true), runDirectory.Path)
            .WithEndpoint(name: PostgresNode.EndpointName, scheme: "tcp", isProxied: false)
            // For the walreceiver's libpq: primary_conninfo names no password (PostgresServerSettings.PrimaryConnectionInfo).
            .WithEnvironment("PGPASSWORD", replicaSet.Resource.ReplicationPassword)
            .WithParentRelationship(replicaSet)
            .WithIconName("Database");
        var node = new PostgresNode(resource.Resource, replicaSet.Resource, index);
        replicaSet.Resource.AddNode(node);

        return resource.WithArgs(context =>
        {
            context.Args.Append(["-D", placement.DataDirectoryOf(name)]);
            context.Args.Add("-c");
            context.Args.Add(ReferenceExpression.Create($"port={node.Endpoint.Property(EndpointProperty.TargetPort)}"));
            context.Args.Append([
                .. PostgresServerSettings.AsArguments(node, replicaSet.Resource.Settings, placement.ServerParameters),
                "-c", $"hba_file={runDirectory.HbaFile}"]);
        });
    }
}
