using Replication.Processes;

namespace Replication.Tests.Kit;

/// <summary>
/// A PostgreSQL node frozen with SIGSTOP, as a paused machine is: every process of the node (the postmaster and all
/// its children, or an HA manager and the server below it) and, for a standby, the walsender on the primary that
/// streams to it. Thaw it with <see cref="ThawAsync"/> (or by disposing it).
/// </summary>
/// <remarks>
/// Stopping the standby's processes alone would not cut it off on one host: the kernel keeps accepting the WAL into
/// the frozen walreceiver's socket, and the standby reads it the moment it is thawed, even after the primary died. A
/// paused machine acknowledges nothing, so the WAL stays on the primary; stopping the walsender does the same here.
/// </remarks>
public sealed class FrozenNode : IAsyncDisposable
{
    private readonly IReadOnlyList<int> processes;

    internal FrozenNode(string name, IReadOnlyList<int> processes)
    {
        Name = name;
        this.processes = processes;
    }

    public string Name { get; }

    /// <summary>The frozen processes, in the order they were stopped.</summary>
    public IReadOnlyList<int> Processes => processes;

    public bool IsFrozen { get; private set; } = true;

    /// <summary>Resumes (SIGCONT) every frozen process that is still alive; a node killed while frozen stays dead.</summary>
    public ValueTask ThawAsync()
    {
        if (IsFrozen)
        {
            IsFrozen = false;
            foreach (var pid in processes.Reverse())
            {
                Send(pid, Signal.Continue);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ThawAsync();

    public override string ToString() => $"{Name} ({processes.Count} processes)";

    /// <summary>Signals a process that may have exited meanwhile (e.g. a backend whose client went away).</summary>
    internal static void Send(int pid, Signal signal)
    {
        if (!ProcessTree.IsAlive(pid))
        {
            return;
        }

        try
        {
            Signals.Send(pid, signal);
        }
        catch (InvalidOperationException) when (!ProcessTree.IsAlive(pid))
        {
            // It exited between the check and the signal.
        }
    }
}
