using System.Globalization;

namespace Aspire.Hosting.ApplicationModel;

internal static class ResourceStateExtensions
{
    public static bool IsRunning(this ResourceNotificationService notifications, IResource resource) =>
        notifications.TryGetCurrentState(resource.Name, out var state) && state.Snapshot.State?.Text == KnownResourceStates.Running;

    /// <summary>The process Aspire started for an executable resource (for a node, the postmaster itself).</summary>
    public static int? ProcessIdOf(this ResourceNotificationService notifications, IResource resource) =>
        notifications.TryGetCurrentState(resource.Name, out var state)
        && state.Snapshot.Properties.FirstOrDefault(property => property.Name == "executable.pid")?.Value is { } value
            ? Convert.ToInt32(value, CultureInfo.InvariantCulture)
            : null;
}
