using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.Faults;

/// <summary>How a kind of resource is crashed and frozen: a resource's own process or container, or a replica set member's.</summary>
internal interface IResourceFaults
{
    /// <summary>Kills all of it at once; returns what was killed, or null when nothing ran.</summary>
    Task<string?> KillAsync(IResource resource, IServiceProvider services, CancellationToken cancellationToken);

    /// <summary>Freezes all of it; returns once it is frozen.</summary>
    Task<FrozenMember> FreezeAsync(IResource resource, IServiceProvider services, CancellationToken cancellationToken);
}
