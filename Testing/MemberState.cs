namespace Replication.Testing;

/// <summary>
/// What the operating system or the container engine says of a member, independently of the command that changed it:
/// a frozen process is in state T, a frozen container is paused.
/// </summary>
public static class MemberState
{
    /// <summary>Whether every process of the member (the one Aspire started and all below it) is stopped, or its container paused.</summary>
    public static async Task<bool> IsFrozenAsync(DistributedApplication app, string resourceName, CancellationToken cancellationToken = default)
    {
        var snapshot = app.SnapshotOf(resourceName);
        if (snapshot.PropertyValue("container.id") is { } container)
        {
            return (await ContainerEngine.RunAsync(["inspect", "--format", "{{.State.Paused}}", container], cancellationToken: cancellationToken)).Trim() == "true";
        }

        if (snapshot.PropertyValue("executable.pid") is null)
        {
            return false;
        }

        // A project's own program, as its Freeze command stops it, never a `dotnet run` wrapper above it.
        var pid = app.ProcessOf(resourceName);
        return ProcessTree.Descendants(pid).Prepend(pid).All(process => ProcessTree.StateOf(process) is null or 'T' or 't' or 'Z' or 'X');
    }
}
