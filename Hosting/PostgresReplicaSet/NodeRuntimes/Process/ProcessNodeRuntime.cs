using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Replication.Hosting.Faults;
using Replication.Processes;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// Runs a replica set's members on this machine, as Aspire executables: the PostgreSQL binaries (as the <c>postgres</c>
/// user when the AppHost is root), and the integration's scripts. Each run keeps its data in a run directory of its
/// own (<see cref="RunDirectory"/>), deleted when the AppHost stops. Crashes and freezes are signals to the member's
/// processes: the resource's own, its descendants, and a server its program started detached (as Patroni does).
/// </summary>
internal sealed class ProcessNodeRuntime : IPostgresNodeRuntime
{
    private readonly PostgresBinaries binaries;
    private readonly RunDirectory runDirectory;
    private readonly ProcessPlacement placement;
    private readonly HashSet<string> reportedMissing = [];

    private ProcessNodeRuntime(PostgresBinaries binaries, RunDirectory runDirectory, string description)
    {
        this.binaries = binaries;
        this.runDirectory = runDirectory;
        placement = new ProcessPlacement(runDirectory, binaries);
        Description = description;
    }

    public string Description { get; }

    public NodePlacement Placement => placement;

    /// <summary>The runtime, or, when the machine lacks what it needs, one that stops the AppHost at start saying so.</summary>
    public static ProcessNodeRuntime Create(IDistributedApplicationBuilder builder, PostgresProcessSettings settings, string description)
    {
        var binaries = PostgresBinaries.Locate(settings.BinDirectory);
        if (binaries is null && builder.ExecutionContext.IsRunMode)
        {
            StartupMessages.FailAtStart(builder, StartupMessages.ReplicaSetCategory, PostgresBinaries.InstallHint);
        }

        var runtime = new ProcessNodeRuntime(binaries ?? new PostgresBinaries("/usr/bin"), RunDirectoryFor(builder), description);
        if (builder.ExecutionContext.IsRunMode)
        {
            runtime.runDirectory.CreateAtStart(builder);
        }

        return runtime;
    }

    public IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> AddServerNodes(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet) =>
        new ProcessServerNodes(binaries, runDirectory, placement).Add(builder, replicaSet);

    public ProgramMember AddProgram(
        IDistributedApplicationBuilder builder, IResourceBuilder<PostgresReplicaSetResource> replicaSet, NodeProgram program)
    {
        if (builder.ExecutionContext.IsRunMode && program.Needs.FirstOrDefault(command => !InstalledPrograms.IsOnPath(command)) is { } missing
            && reportedMissing.Add(program.InstallHint))
        {
            StartupMessages.FailAtStart(builder, StartupMessages.ReplicaSetCategory, $"'{missing}' was not found on PATH. {program.InstallHint}");
        }

        var launcher = runDirectory.Launcher(Path.GetFileNameWithoutExtension(program.Script), "sh", [placement.ScriptPath(program.Script)], program.RunsServer);
        runDirectory.AddMemberDirectory(program.Name, program.RunsServer);
        var member = builder.AddExecutable(program.Name, launcher, placement.WorkDirectoryOf(program.Name))
            .WithParentRelationship(replicaSet)
            .WithIconName(program.IconName)
            .ExcludeFromManifest();
        foreach (var endpoint in program.Endpoints)
        {
            member.WithEndpoint(name: endpoint.Name, scheme: endpoint.Scheme, isProxied: false);
        }

        var added = ProgramMember.Of(member);
        program.Configure(added);
        return added;
    }

    public (string Host, int Port) StreamingAddressOf(PostgresNode node) => (ProcessPlacement.Loopback, node.Endpoint.TargetPort!.Value);

    /// <summary>A standby.signal in the stopped node's data: if it is started again, it comes back as a standby, never a primary.</summary>
    public Task FenceAsync(PostgresNode node, CancellationToken cancellationToken)
    {
        var dataDirectory = placement.DataDirectoryOf(node.Name);
        if (Directory.Exists(dataDirectory))
        {
            runDirectory.WritePrivateFile(Path.Combine(dataDirectory, "standby.signal"), "");
        }

        return Task.CompletedTask;
    }

    public Task RejoinAsync(PostgresNode node, PostgresNode primary, ILogger log, CancellationToken cancellationToken) =>
        new ProcessNodeRejoin(binaries, runDirectory, placement, log).RejoinAsync(node, primary, cancellationToken);

    public Task<string?> KillAsync(IResource member, IServiceProvider services, CancellationToken cancellationToken) =>
        ProcessFaults.KillAsync(RootsOf(member, services), cancellationToken);

    public async Task<string?> KillPostmasterAsync(PostgresNode node, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (PostmasterOf(node.Name) is not { } pid)
        {
            return null;
        }

        ProcessSignals.Send(pid, Signal.Kill);
        await ProcessSignals.WaitUntilGoneAsync([pid], cancellationToken).ConfigureAwait(false);
        return string.Create(CultureInfo.InvariantCulture, $"postmaster {pid}");
    }

    public Task<FrozenMember> FreezeAsync(
        IResource member, PostgresNode? primary, IReadOnlyList<int> walsenders, IServiceProvider services, CancellationToken cancellationToken)
    {
        // A walsender is a process of the primary's server: anything else with that pid here must not be stopped.
        var primaryProcesses = primary is null ? [] : RootsOf(primary.Resource, services).SelectMany(ProcessTree.Descendants).ToHashSet();
        var foreign = walsenders.Where(pid => !primaryProcesses.Contains(pid)).ToList();
        if (foreign.Count > 0)
        {
            throw new InvalidOperationException($"The walsenders {string.Join(", ", foreign)} are not processes of {primary?.Name} on this host.");
        }

        return ProcessFaults.FreezeAsync(member.Name, RootsOf(member, services), walsenders, $"{primary?.Name}'s walsenders", cancellationToken);
    }

    /// <summary>The member's root processes: the one Aspire started, and a server its program started detached (Patroni's).</summary>
    private List<int> RootsOf(IResource member, IServiceProvider services)
    {
        var started = services.GetRequiredService<ResourceNotificationService>().ProcessIdOf(member.Name);
        var postmaster = PostmasterOf(member.Name);
        return [.. new[] { started, postmaster }.OfType<int>().Where(ProcessTree.IsAlive).Distinct()];
    }

    private int? PostmasterOf(string memberName) =>
        PostmasterPidFile.Read(Path.Combine(placement.DataDirectoryOf(memberName), "postmaster.pid")) is { } pid
        && ProcessTree.IsAlive(pid) && ProcessTree.CommandLine(pid).Contains("postgres", StringComparison.Ordinal)
            ? pid
            : null;

    /// <summary>This run's directory; when the servers have no user to run as (root without a postgres user), the AppHost stops at start saying so.</summary>
    private static RunDirectory RunDirectoryFor(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return RunDirectory.Placeholder;
        }

        try
        {
            return RunDirectory.ForThisRun(ServerUser.Current());
        }
        catch (InvalidOperationException exception)
        {
            StartupMessages.FailAtStart(builder, StartupMessages.ReplicaSetCategory, exception.Message);
            return RunDirectory.ForThisRun(ServerUser.Own);
        }
    }
}
