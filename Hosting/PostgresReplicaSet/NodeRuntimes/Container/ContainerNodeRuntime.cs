using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Replication.Hosting.Faults;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// Runs a replica set's members as containers of one image: the official postgres image at the tag
/// Aspire.Hosting.PostgreSQL pins (built with what a program adds, e.g. Patroni, when it needs more), or
/// <see cref="PostgresContainerSettings.WithImage"/>. Every endpoint is direct (Aspire's proxy kept accepting
/// connections for a dead container, so clients waited for a killed primary instead of moving on), and every member
/// mounts the integration's scripts, so it bootstraps itself, as it would from a manifest. Crashes and freezes go
/// through the engine (<c>docker kill</c>, <c>docker pause</c>); fencing is on disk, on the node's data volume.
/// </summary>
internal sealed class ContainerNodeRuntime : IPostgresNodeRuntime
{
    /// <summary>The port PostgreSQL listens on inside every node container.</summary>
    public const int ServerPort = 5432;

    /// <summary>The fence file as the node entrypoint names it: beside PGDATA, inside the volume.</summary>
    private const string FenceCommand = "touch \"$PGDATA.fenced\"";

    private static readonly TimeSpan EngineTimeout = TimeSpan.FromSeconds(60);

    private readonly ContainerRuntimeCli engine;
    private readonly ContainerFaults containers;
    private readonly PostgresContainerSettings settings;
    private readonly ConcurrentDictionary<string, string> dataVolumeOf = new();

    private ContainerNodeRuntime(ContainerRuntimeCli engine, PostgresContainerSettings settings, string description)
    {
        this.engine = engine;
        containers = new ContainerFaults(engine);
        this.settings = settings;
        Description = description;
    }

    public string Description { get; }

    public NodePlacement Placement { get; } = new ContainerPlacement();

    /// <summary>The runtime; when it was asked for by name and no engine answers, the AppHost stops at start with one line.</summary>
    public static ContainerNodeRuntime Create(
        IDistributedApplicationBuilder builder, PostgresContainerSettings settings, ContainerRuntimeCli engine, string description, bool checkEngine)
    {
        if (checkEngine && builder.ExecutionContext.IsRunMode && !engine.Answers(NodeRuntimeChoice.ProbeTimeout))
        {
            StartupMessages.FailAtStart(builder, StartupMessages.ReplicaSetCategory,
                $"Postgres:Runtime is Container, but the container runtime '{engine}' did not answer '{engine} info' within " +
                $"{NodeRuntimeChoice.ProbeTimeout.TotalSeconds:F0} s. Start Docker (or Podman, with ASPIRE_CONTAINER_RUNTIME=podman), or run the nodes as processes: --Postgres:Runtime=Process.");
        }

        return new ContainerNodeRuntime(engine, settings, description);
    }

    public IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> AddServerNodes(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet) =>
        new ContainerServerNodes(this).Add(builder, replicaSet);

    public ProgramMember AddProgram(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet, NodeProgram program)
    {
        var member = builder.AddContainer(program.Name, ContainerImages.OfficialPostgres.Repository)
            .WithParentRelationship(replicaSet)
            .WithIconName(program.IconName)
            .WithEntrypoint("sh")
            .WithArgs(Placement.ScriptPath(program.Script));
        UseImage(member, program.Image);
        foreach (var endpoint in program.Endpoints)
        {
            member.WithEndpoint(targetPort: endpoint.ContainerPort, name: endpoint.Name, scheme: endpoint.Scheme, isProxied: false);
        }

        ConfigureMember(member, program.Name);
        var added = ProgramMember.Of(member);
        program.Configure(added);
        return added;
    }

    /// <summary>Inside the app's network every container reaches another by its resource name.</summary>
    public (string Host, int Port) StreamingAddressOf(PostgresNode node) => (node.Name, ServerPort);

    /// <summary>
    /// With data volumes, writes the fence file on the stopped node's volume (a throwaway container of the node's image),
    /// so that whenever it starts again, even under a restarted AppHost, it is cloned from the primary instead of
    /// starting on its own data. Without them there is nothing to fence: the next start makes a new, empty container.
    /// </summary>
    public async Task FenceAsync(PostgresNode node, CancellationToken cancellationToken)
    {
        if (!dataVolumeOf.TryGetValue(node.Name, out var volume))
        {
            return;
        }

        var image = node.Resource.TryGetContainerImageName(out var name) ? name : throw new InvalidOperationException($"{node.Name} has no image.");
        var fenced = await engine.RunAsync(
            ["run", "--rm", "--volume", $"{volume}:{ContainerPlacement.VolumePath}", "--entrypoint", "sh", image, "-c", FenceCommand],
            EngineTimeout, cancellationToken).ConfigureAwait(false);
        if (!fenced.Succeeded)
        {
            throw new InvalidOperationException($"Could not fence {node.Name} on its data volume {volume}: {fenced.Describe()}");
        }
    }

    /// <summary>The node is cloned afresh from the primary when it starts: fenced with data volumes, a new container without.</summary>
    public async Task RejoinAsync(PostgresNode node, PostgresNode primary, ILogger log, CancellationToken cancellationToken)
    {
        await FenceAsync(node, cancellationToken).ConfigureAwait(false);
        log.LogInformation("{Node} is cloned afresh from {Primary} as it starts", node.Name, primary.Name);
    }

    public async Task<string?> KillAsync(IResource member, IServiceProvider services, CancellationToken cancellationToken) =>
        ContainerFaults.ContainerIdOf(member, services) is { } id ? await containers.KillAsync(id, cancellationToken).ConfigureAwait(false) : null;

    /// <summary>
    /// SIGKILL to the postmaster. Where it is the container's main process (the supervisor's nodes), that is the
    /// container's kill; where a program started it (Patroni), it is signalled inside the container, and the program lives on.
    /// </summary>
    public async Task<string?> KillPostmasterAsync(PostgresNode node, IServiceProvider services, CancellationToken cancellationToken)
    {
        // A stopped container, or one whose server is down, has no postmaster to kill.
        if (ContainerFaults.ContainerIdOf(node.Resource, services) is not { } id
            || (await containers.ExecAsync(id, "head -n 1 \"$PGDATA/postmaster.pid\"", cancellationToken).ConfigureAwait(false))?.Trim() is not { Length: > 0 } pid)
        {
            return null;
        }

        if (pid == "1")
        {
            return await containers.KillAsync(id, cancellationToken).ConfigureAwait(false);
        }

        return await containers.ExecAsync(id, $"kill -KILL {pid}", cancellationToken).ConfigureAwait(false) is null
            ? null
            : $"postmaster {pid} in container {id[..Math.Min(12, id.Length)]}";
    }

    /// <summary><c>docker pause</c> of the member; a standby's walsenders are stopped first, inside the primary's container.</summary>
    public async Task<FrozenMember> FreezeAsync(
        IResource member, PostgresNode? primary, IReadOnlyList<int> walsenders, IServiceProvider services, CancellationToken cancellationToken)
    {
        var id = ContainerFaults.ContainerIdOf(member, services) ?? throw new InvalidOperationException($"{member.Name} has no running container.");
        var primaryId = primary is null ? null : ContainerFaults.ContainerIdOf(primary.Resource, services);
        if (walsenders.Count == 0)
        {
            return await containers.PauseAsync(member.Name, id, null, null, cancellationToken).ConfigureAwait(false);
        }

        var pids = string.Join(' ', walsenders);
        async Task ResumeWalsendersAsync()
        {
            if (primaryId is not null)
            {
                await containers.ExecAsync(primaryId, $"kill -CONT {pids}", CancellationToken.None).ConfigureAwait(false);
            }
        }

        if (primaryId is null || await containers.ExecAsync(primaryId, $"kill -STOP {pids}", cancellationToken).ConfigureAwait(false) is null)
        {
            await ResumeWalsendersAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"Could not stop {primary?.Name}'s walsenders {pids} in its container.");
        }

        return await containers.PauseAsync(member.Name, id, $"{primary!.Name}'s walsenders {string.Join(", ", walsenders)}", ResumeWalsendersAsync, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Every member's image: <see cref="PostgresContainerSettings.Image"/>, or the official one, built with what the program adds.</summary>
    internal void UseImage(IResourceBuilder<ContainerResource> container, string? dockerfile)
    {
        if (settings.Image is { } reference && PostgresImage.TryParse(reference, out var image))
        {
            container.WithImageRegistry(image.Registry).WithImage(image.Repository, image.Tag);
        }
        else if (dockerfile is not null)
        {
            container.WithDockerfile(IntegrationScripts.Directory, IntegrationScripts.PathOf(dockerfile))
                .WithBuildArg("BASE", ContainerImages.OfficialPostgres.ToString());
        }
    }

    /// <summary>The scripts, read-only; with data volumes, a named volume for everything the member writes; quick name lookups.</summary>
    internal void ConfigureMember(IResourceBuilder<ContainerResource> container, string memberName)
    {
        FailNameLookupsFast(container);
        NoticeVanishedPeers(container);
        container.WithBindMount(IntegrationScripts.Directory, IntegrationScripts.ContainerDirectory, isReadOnly: true);
        if (settings.DataVolumes)
        {
            var volume = settings.DataVolumePrefix is { } prefix ? $"{prefix}-{memberName}-data" : VolumeNameGenerator.Generate(container, "data");
            dataVolumeOf[memberName] = volume;
            container.WithVolume(volume, ContainerPlacement.VolumePath);
        }
    }

    /// <summary>
    /// Members find each other by name, and a stopped member's name is unknown to the engine's DNS, which then asks the
    /// resolvers upstream. Where the containers cannot reach those (an engine without NAT, an offline machine), glibc's
    /// defaults (5 s, twice) made each lookup of a dead peer take 10 s (4 s with these), and Patroni's leader race waits
    /// on one. The members need no name from outside. Two tries of 2 s, not one of 1 s: a live peer's name must still
    /// resolve while a busy engine answers slowly.
    /// </summary>
    private static void FailNameLookupsFast(IResourceBuilder<ContainerResource> container) =>
        container.WithContainerRuntimeArgs("--dns-option", "timeout:2", "--dns-option", "attempts:2");

    /// <summary>
    /// A killed container's peer, or one cut off by a partition, sends no FIN: a connection to it stays open, silent, until
    /// TCP keepalive gives up, after 2 h by the kernel's defaults. libpq turns keepalive on but keeps those defaults, so a
    /// pg_rewind (or Patroni's checkpoint before it) reading from a source that vanished waited for ever (patroni#3720;
    /// Patroni has no timeout of its own there). These sysctls are per network namespace: here such a connection fails
    /// after about 11 s of silence (5 s idle, then three probes 2 s apart), and Patroni retries or reinitialises.
    /// </summary>
    private static void NoticeVanishedPeers(IResourceBuilder<ContainerResource> container) =>
        container.WithContainerRuntimeArgs(
            "--sysctl", "net.ipv4.tcp_keepalive_time=5", "--sysctl", "net.ipv4.tcp_keepalive_intvl=2", "--sysctl", "net.ipv4.tcp_keepalive_probes=3");
}
