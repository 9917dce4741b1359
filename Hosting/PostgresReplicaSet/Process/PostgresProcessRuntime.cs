using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Runs a replica set on the machine's PostgreSQL binaries, as Aspire executables:
/// <c>initdb</c> → primary → the set's bootstrap script (psql) → <c>pg_basebackup</c> per replica → replica.
/// </summary>
internal sealed class PostgresProcessRuntime(PostgresBinaries binaries, RunDirectory runDirectory, bool isRunMode) : IPostgresReplicaSetRuntime
{

    public IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> AddNodes(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet)
    {
        if (isRunMode)
        {
            runDirectory.CreateAtStart(builder, (_, _) =>
            {
                runDirectory.WritePrivateFile(runDirectory.HbaFile, PostgresServerSettings.LoopbackHostBasedAuthentication);
                return Task.CompletedTask;
            });
        }

        var primary = AddPrimary(builder, replicaSet);
        var bootstrap = AddBootstrap(builder, replicaSet, primary);
        List<IResourceBuilder<IResourceWithEndpoints>> nodes = [primary];
        for (var index = 1; index <= replicaSet.Resource.Options.Replicas; index++)
        {
            nodes.Add(AddReplica(builder, replicaSet, index, bootstrap));
        }

        return nodes;
    }

    public (string Host, int Port) StreamingAddressOf(PostgresNode node) => ("127.0.0.1", node.Endpoint.TargetPort!.Value);

    public Task FenceAsync(PostgresNode node, CancellationToken cancellationToken)
    {
        var dataDirectory = runDirectory.DataDirectoryOf(node.Name);
        if (Directory.Exists(dataDirectory))
        {
            runDirectory.WritePrivateFile(Path.Combine(dataDirectory, "standby.signal"), "");
        }

        return Task.CompletedTask;
    }

    public Task RejoinAsync(PostgresNode node, PostgresNode primary, ILogger log, CancellationToken cancellationToken) =>
        new ProcessNodeRejoin(binaries, runDirectory, log).RejoinAsync(node, primary, cancellationToken);

    public Task<string?> KillAsync(PostgresNode node, ResourceNotificationService notifications, CancellationToken cancellationToken)
    {
        if (notifications.ProcessIdOf(node.Resource.Name) is not { } pid)
        {
            return Task.FromResult<string?>(null);
        }

        PostgresProcesses.KillIfPostmaster(pid);
        return Task.FromResult<string?>($"process {pid}");
    }

    private IResourceBuilder<ExecutableResource> AddPrimary(IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet)
    {
        var node = AddNode(builder, replicaSet, index: 0);
        var nodeName = node.Resource.Name;
        var dataDirectory = runDirectory.DataDirectoryOf(nodeName);

        var (initCommand, initPrefix) = runDirectory.ServerUser.Wrap(binaries.InitDb);
        var init = builder.AddExecutable($"{nodeName}-init", initCommand, runDirectory.Path)
            .WithArgs([.. initPrefix,
                "--pgdata", dataDirectory,
                "--username", PostgresReplicaSetResource.SuperuserName,
                "--pwfile", runDirectory.SuperuserPasswordFile,
                "--auth", "scram-sha-256",
                "--encoding", "UTF8",
                "--locale", "C",
                "--no-instructions"])
            .WithParentRelationship(node)
            .ExcludeFromManifest()
            .OnBeforeResourceStarted(async (_, _, cancellationToken) =>
                runDirectory.WritePrivateFile(runDirectory.SuperuserPasswordFile,
                    await replicaSet.Resource.SuperuserPassword.GetValueAsync(cancellationToken) + "\n"));

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
                context.Args.Append(["--no-psqlrc", "--host", "127.0.0.1", "--port"]);
                context.Args.Add(node.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Append([
                    "--username", PostgresReplicaSetResource.SuperuserName,
                    "--dbname", "postgres",
                    "--file", ReplicaSetBootstrap.ScriptPath]);
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

        var (backupCommand, backupPrefix) = runDirectory.ServerUser.Wrap(binaries.BaseBackup);
        var baseBackup = builder.AddExecutable($"{node.Resource.Name}-basebackup", backupCommand, runDirectory.Path)
            .WithArgs(context =>
            {
                context.Args.Append([.. backupPrefix]);
                context.Args.Add("--host");
                context.Args.Add(primary.Endpoint.Property(EndpointProperty.IPV4Host));
                context.Args.Add("--port");
                context.Args.Add(primary.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Append([
                    "--username", PostgresReplicaSetResource.ReplicationUserName,
                    "--no-password",
                    "--pgdata", runDirectory.DataDirectoryOf(node.Resource.Name),
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
        var (command, prefix) = runDirectory.ServerUser.Wrap(binaries.Postgres);
        var resource = builder.AddExecutable(name, command, runDirectory.Path)
            .WithEndpoint(name: PostgresNode.EndpointName, scheme: "tcp", isProxied: false)
            .WithParentRelationship(replicaSet);
        var node = new PostgresNode(resource.Resource, replicaSet.Resource, index);
        replicaSet.Resource.AddNode(node);

        return resource.WithArgs(context =>
        {
            context.Args.Append([.. prefix]);
            context.Args.Append(["-D", runDirectory.DataDirectoryOf(name)]);
            context.Args.Add("-c");
            context.Args.Add(ReferenceExpression.Create($"port={node.Endpoint.Property(EndpointProperty.TargetPort)}"));
            context.Args.Append([
                .. PostgresServerSettings.AsArguments(node, replicaSet.Resource.Options),
                "-c", "listen_addresses=127.0.0.1",
                "-c", "unix_socket_directories=",
                "-c", $"hba_file={runDirectory.HbaFile}"]);
        });
    }
}
