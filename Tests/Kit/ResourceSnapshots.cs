namespace Replication.Tests.Kit;

/// <summary>What Aspire's notifications report of a resource now: its state, and the properties the dashboard shows.</summary>
public static class ResourceSnapshots
{
    /// <summary>The resource's latest snapshot, or null before its first.</summary>
    public static CustomResourceSnapshot? SnapshotOf(this DistributedApplication app, string resourceName) =>
        app.ResourceNotifications.TryGetCurrentState(resourceName, out var state) ? state.Snapshot : null;

    /// <summary>Whether the resource is Running now (a killed or stopped one is not; a frozen one is).</summary>
    public static bool IsRunning(this DistributedApplication app, string resourceName) =>
        app.SnapshotOf(resourceName)?.State?.Text == KnownResourceStates.Running;

    /// <summary>One of the snapshot's properties as text (e.g. <c>ReplicaSetProperties.Role</c>), or null when it has none.</summary>
    public static string? PropertyOf(this CustomResourceSnapshot? snapshot, string property) =>
        snapshot?.Properties.FirstOrDefault(candidate => candidate.Name == property)?.Value?.ToString();
}
