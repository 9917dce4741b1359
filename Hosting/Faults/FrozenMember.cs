namespace Replication.Hosting.Faults;

/// <summary>One resource frozen by the Freeze command, and what froze with it.</summary>
internal sealed class FrozenMember(string description, Func<Task> resume)
{
    private int resumed;

    /// <summary>What was frozen, for the command's answer and the dashboard.</summary>
    public string Description { get; } = description;

    /// <summary>Lets it run again (one killed meanwhile stays dead); once.</summary>
    public Task ResumeAsync() => Interlocked.Exchange(ref resumed, 1) == 0 ? resume() : Task.CompletedTask;
}
