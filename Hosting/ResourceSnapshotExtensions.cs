using System.Collections.Immutable;
using System.Globalization;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>What Aspire's notifications report of a resource now, and edits of the properties the dashboard shows.</summary>
public static class ResourceSnapshotExtensions
{
    /// <summary>The snapshot property in which the orchestrator reports the process it started (for a project started through <c>dotnet run</c>, the wrapper).</summary>
    private const string ProcessIdProperty = "executable.pid";

    /// <summary>Running now: a killed, stopped or exited resource is not; a frozen process still is.</summary>
    /// <param name="snapshot">The resource's snapshot.</param>
    /// <returns>Whether its state is Running.</returns>
    public static bool IsRunning(this CustomResourceSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.State?.Text == KnownResourceStates.Running;
    }

    /// <summary>Whether the resource is Running now (see <see cref="IsRunning(CustomResourceSnapshot)"/>).</summary>
    /// <param name="notifications">The app's notifications.</param>
    /// <param name="resource">The resource.</param>
    /// <returns>Whether its latest state is Running.</returns>
    public static bool IsRunning(this ResourceNotificationService notifications, IResource resource)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        ArgumentNullException.ThrowIfNull(resource);
        return notifications.TryGetCurrentState(resource.Name, out var state) && state.Snapshot.IsRunning();
    }

    /// <summary>One of the snapshot's properties as text (e.g. <see cref="ReplicaSetProperties.Role"/>), or null when it has none.</summary>
    /// <param name="snapshot">The resource's snapshot, or null before its first.</param>
    /// <param name="property">The property's name.</param>
    /// <returns>Its value as text, or null.</returns>
    public static string? PropertyValue(this CustomResourceSnapshot? snapshot, string property) =>
        snapshot?.Properties.FirstOrDefault(candidate => candidate.Name == property)?.Value?.ToString();

    /// <summary>The process the orchestrator started for an executable or a project (for a project started through <c>dotnet run</c>, the wrapper).</summary>
    /// <param name="notifications">The app's notifications.</param>
    /// <param name="resourceName">The resource.</param>
    /// <returns>The process id, or null when none runs.</returns>
    public static int? ProcessIdOf(this ResourceNotificationService notifications, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        return notifications.TryGetCurrentState(resourceName, out var state)
               && state.Snapshot.Properties.FirstOrDefault(property => property.Name == ProcessIdProperty)?.Value is { } value
            ? Convert.ToInt32(value, CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>
    /// Sets or replaces one property; a null value removes it. The property is highlighted: the dashboard hides
    /// properties it does not know unless they are.
    /// </summary>
    /// <param name="properties">A snapshot's properties.</param>
    /// <param name="name">The property's name.</param>
    /// <param name="value">Its value; null removes it.</param>
    /// <returns>The properties with the change.</returns>
    public static ImmutableArray<ResourcePropertySnapshot> WithProperty(this ImmutableArray<ResourcePropertySnapshot> properties, string name, object? value)
    {
        var without = properties.RemoveAll(property => property.Name == name);
        return value is null ? without : without.Add(new ResourcePropertySnapshot(name, value) { IsHighlighted = true });
    }
}
