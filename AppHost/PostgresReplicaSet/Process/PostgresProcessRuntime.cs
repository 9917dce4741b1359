using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Runs a replica set on the machine's PostgreSQL binaries, as Aspire executables:
/// <c>initdb</c> → primary → <c>pg_basebackup</c> per replica → replica.
/// </summary>
internal sealed class PostgresProcessRuntime(PostgresBinaries binaries) : IPostgresReplicaSetRuntime
{
    private IDistributedApplicationBuilder builder = null!;
    private RunDirectory runDirectory = null!;

    public PostgresRuntime Kind => PostgresRuntime.Process;

    public IReadOnlyList<IResourceBuilder<PostgresNodeResource>> AddNodes(
        IDistributedApplicationBuilder applicationBuilder, IResourceBuilder<PostgresReplicaSetResource> replicaSet)
    {
        builder = applicationBuilder;
        runDirectory = builder.ExecutionContext.IsRunMode
            ? RunDirectory.Create(ServerUser.Current())
            : RunDirectory.Placeholder;
        if (builder.ExecutionContext.IsRunMode)
        {
            runDirectory.WritePrivateFile(runDirectory.HbaFile, PostgresServerSettings.HostBasedAuthentication);
            builder.Services.AddHostedService(services => new RunDirectoryCleanup(
                runDirectory, services.GetRequiredService<IHostApplicationLifetime>()));
        }

        List<IResourceBuilder<PostgresNodeResource>> nodes = [AddPrimary(replicaSet)];
        for (var index = 1; index <= replicaSet.Resource.Options.Replicas; index++)
        {
            nodes.Add(AddReplica(replicaSet, index));
        }

        return nodes;
    }

    public Task FenceAsync(PostgresNodeResource node, CancellationToken cancellationToken)
    {
        if (Directory.Exists(node.DataDirectory))
        {
            runDirectory.WritePrivateFile(Path.Combine(node.DataDirectory, "standby.signal"), "");
        }

        return Task.CompletedTask;
    }

    public Task RejoinAsync(PostgresNodeResource node, PostgresNodeResource primary, ILogger log, CancellationToken cancellationToken) =>
        new ProcessNodeRejoin(binaries, runDirectory, log).RejoinAsync(node, primary, cancellationToken);

    private IResourceBuilder<PostgresNodeResource> AddPrimary(IResourceBuilder<PostgresReplicaSetResource> replicaSet)
    {
        var node = AddNode(replicaSet, index: 0);
        var nodeName = node.Resource.Name;

        var (initCommand, initPrefix) = runDirectory.ServerUser.Wrap(binaries.InitDb);
        var init = builder.AddExecutable($"{nodeName}-init", initCommand, runDirectory.Path)
            .WithArgs([.. initPrefix,
                "--pgdata", node.Resource.DataDirectory,
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

    private IResourceBuilder<PostgresNodeResource> AddReplica(IResourceBuilder<PostgresReplicaSetResource> replicaSet, int index)
    {
        var node = AddNode(replicaSet, index);
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
                    "--pgdata", node.Resource.DataDirectory,
                    "--write-recovery-conf",
                    "--wal-method", "stream",
                    "--slot", node.Resource.SlotName, // Created, with WAL reserved, when the primary was bootstrapped.
                    "--checkpoint", "fast",
                    "--verbose"]);
            })
            .WithEnvironment("PGPASSWORD", replicaSet.Resource.ReplicationPassword)
            .WithParentRelationship(node)
            .ExcludeFromManifest()
            // The set turns Running once the primary is bootstrapped, i.e. once the replication role exists.
            .WaitFor(replicaSet);

        return node.WaitForCompletion(baseBackup);
    }

    private IResourceBuilder<PostgresNodeResource> AddNode(IResourceBuilder<PostgresReplicaSetResource> replicaSet, int index)
    {
        var name = $"{replicaSet.Resource.Name}-{index.ToString(CultureInfo.InvariantCulture)}";
        var (command, prefix) = runDirectory.ServerUser.Wrap(binaries.Postgres);
        var resource = new PostgresNodeResource(name, command, runDirectory.Path, replicaSet.Resource, index)
        {
            DataDirectory = runDirectory.DataDirectoryOf(name),
        };
        replicaSet.Resource.AddNode(resource);

        return builder.AddResource(resource)
            .WithEndpoint(name: PostgresNodeResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Append([.. prefix]);
                context.Args.Append(["-D", resource.DataDirectory]);
                context.Args.Add("-c");
                context.Args.Add(ReferenceExpression.Create($"port={resource.Endpoint.Property(EndpointProperty.TargetPort)}"));
                foreach (var setting in PostgresServerSettings.For(resource, replicaSet.Resource.Options))
                {
                    context.Args.Append(["-c", setting]);
                }

                context.Args.Append(["-c", $"hba_file={runDirectory.HbaFile}"]);
            })
            .WithParentRelationship(replicaSet);
    }
}

internal static class CommandLineArguments
{
    public static void Append(this IList<object> arguments, params IEnumerable<object> values)
    {
        foreach (var value in values)
        {
            arguments.Add(value);
        }
    }
}
