using System.Runtime.CompilerServices;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Replication.Hosting.PostgresReplicaSet;
using Replication.Processes;

namespace Replication.Hosting.Faults;

/// <summary>
/// The faults of a resource's own process: a project's service binary (the process Aspire started, or below its <c>dotnet run</c> wrapper), an
/// executable's process, or a container. One per app builder.
/// </summary>
internal sealed class ResourceFaults(ContainerFaults containers) : IResourceFaults
{
    private static readonly ConditionalWeakTable<IDistributedApplicationBuilder, ResourceFaults> PerBuilder = new();

    public static ResourceFaults For(IDistributedApplicationBuilder builder) =>
        PerBuilder.GetValue(builder, _ => new ResourceFaults(new ContainerFaults(ContainerRuntimeCli.Configured(builder.Configuration))));

    public async Task<string?> KillAsync(IResource resource, IServiceProvider services, CancellationToken cancellationToken) =>
        ContainerFaults.ContainerIdOf(resource, services) is { } id && resource is ContainerResource
            ? await containers.KillAsync(id, cancellationToken).ConfigureAwait(false)
            : await ProcessFaults.KillAsync(ProcessesOf(resource, services), cancellationToken).ConfigureAwait(false);

    public async Task<FrozenMember> FreezeAsync(IResource resource, IServiceProvider services, CancellationToken cancellationToken) =>
        ContainerFaults.ContainerIdOf(resource, services) is { } id && resource is ContainerResource
            ? await containers.PauseAsync(resource.Name, id, null, null, cancellationToken).ConfigureAwait(false)
            : await ProcessFaults.FreezeAsync(resource.Name, ProcessesOf(resource, services), [], null, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The process that *is* the resource: for a project, the service binary, which is the process Aspire started
    /// (<see cref="BuiltProjectLaunchExtensions.StartProjectsFromBuildOutput"/>) or runs below its <c>dotnet run</c>
    /// wrapper (killing the wrapper is not the service crashing); otherwise the process Aspire started.
    /// </summary>
    public static IReadOnlyList<int> ProcessesOf(IResource resource, IServiceProvider services)
    {
        if (services.GetRequiredService<ResourceNotificationService>().ProcessIdOf(resource.Name) is not { } started || !ProcessTree.IsAlive(started))
        {
            return [];
        }

        if (resource is not ProjectResource project)
        {
            return [started];
        }

        var assembly = Path.GetFileNameWithoutExtension(project.GetProjectMetadata().ProjectPath);
        return ProcessTree.ProgramBelow(started, assembly) is { } program ? [program] : [];
    }
}
