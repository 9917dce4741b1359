namespace Replication.Testing;

/// <summary>What Aspire's notifications report of a resource now.</summary>
public static class AppSnapshots
{
    /// <summary>The resource's latest snapshot, or null before its first.</summary>
    public static CustomResourceSnapshot? SnapshotOf(this DistributedApplication app, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.ResourceNotifications.TryGetCurrentState(resourceName, out var state) ? state.Snapshot : null;
    }

    /// <summary>Whether the resource is Running now (a killed or stopped one is not; a frozen one is).</summary>
    public static bool IsRunning(this DistributedApplication app, string resourceName) => app.SnapshotOf(resourceName)?.IsRunning() == true;

    /// <summary>The process that *is* the resource: a project's service binary (never a <c>dotnet run</c> wrapper in front of it), or the process Aspire started.</summary>
    /// <exception cref="InvalidOperationException">The resource has no running process.</exception>
    public static int ProcessOf(this DistributedApplication app, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(app);
        var resource = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resourceName);
        var started = app.ResourceNotifications.ProcessIdOf(resourceName) ?? throw new InvalidOperationException($"{resourceName} has no process id; is it running?");
        if (resource is not ProjectResource project)
        {
            return started;
        }

        var assembly = Path.GetFileNameWithoutExtension(project.GetProjectMetadata().ProjectPath);
        return ProcessTree.ProgramBelow(started, assembly) ?? throw new InvalidOperationException($"No process of {assembly} runs below {started}.");
    }
}
