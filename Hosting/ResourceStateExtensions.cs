using System.Globalization;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>A resource's current state, as Aspire's notifications report it.</summary>
internal static class ResourceStateExtensions
{
    /// <summary>The snapshot property in which DCP reports the process it started (for a project, its <c>dotnet run</c> wrapper).</summary>
    private const string ProcessIdProperty = "executable.pid";

    public static bool IsRunning(this ResourceNotificationService notifications, IResource resource) =>
        notifications.TryGetCurrentState(resource.Name, out var state) && state.Snapshot.IsRunning();

    /// <summary>Running now: a killed, stopped or exited resource is not; a frozen process still is.</summary>
    public static bool IsRunning(this CustomResourceSnapshot snapshot) => snapshot.State?.Text == KnownResourceStates.Running;

    /// <summary>One of the snapshot's properties as text, or null when it has none.</summary>
    public static string? PropertyValue(this CustomResourceSnapshot snapshot, string property) =>
        snapshot.Properties.FirstOrDefault(candidate => candidate.Name == property)?.Value?.ToString();

    /// <summary>The process Aspire started for an executable or project resource (for a node, the postmaster itself).</summary>
    public static int? ProcessIdOf(this ResourceNotificationService notifications, string resourceName) =>
        notifications.TryGetCurrentState(resourceName, out var state)
        && state.Snapshot.Properties.FirstOrDefault(property => property.Name == ProcessIdProperty)?.Value is { } value
            ? Convert.ToInt32(value, CultureInfo.InvariantCulture)
            : null;
}
