using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The processes that make up a node, for faults that hit the whole node (a crash of its machine, a freeze): under the
/// supervisor, the postmaster the resource runs; under Patroni, Patroni itself and the postmaster it started, which
/// is not its child (Patroni starts it detached), so killing Patroni's process tree would leave the server running.
/// </summary>
public static class PostgresNodeProcesses
{
    /// <summary>The root processes of <paramref name="node"/>, the HA manager first; each one's descendants belong to the node too.</summary>
    /// <param name="node">The node.</param>
    /// <param name="services">The app's services.</param>
    /// <returns>The process ids, empty when nothing runs.</returns>
    public static IReadOnlyList<int> RootsOf(PostgresNode node, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(services);
        var resourcePid = services.GetRequiredService<ResourceNotificationService>().ProcessIdOf(node.Name);
        var postmaster = node.Parent.Runtime is PatroniProcessRuntime patroni ? patroni.PostmasterOf(node) : null;
        return [.. new[] { resourcePid, postmaster }.OfType<int>().Distinct()];
    }

    /// <summary>The node's postmaster, or null when no server runs: for a fault that kills the server alone.</summary>
    /// <param name="node">The node.</param>
    /// <param name="services">The app's services.</param>
    /// <returns>The process id, or null.</returns>
    public static int? PostmasterOf(PostgresNode node, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(services);
        return node.Parent.Runtime is PatroniProcessRuntime patroni
            ? patroni.PostmasterOf(node)
            : services.GetRequiredService<ResourceNotificationService>().ProcessIdOf(node.Name);
    }
}
