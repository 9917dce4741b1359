using Replication.Processes;

namespace Replication.Hosting.Faults;

/// <summary>Signals to a member's processes, and waits until they took effect.</summary>
internal static class ProcessSignals
{
    private static readonly TimeSpan EffectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// SIGSTOPs each root, then everything below it, parents before children, and looks again until nothing new turns
    /// up: a child forked before its parent stopped is caught by the next look. Returns what it stopped, in order.
    /// </summary>
    public static List<int> StopEverythingBelow(IReadOnlyList<int> roots, IReadOnlyList<int> alreadyStopped)
    {
        var stopped = new List<int>();
        var seen = new HashSet<int>(alreadyStopped);
        bool foundMore;
        do
        {
            foundMore = false;
            foreach (var pid in roots.SelectMany(root => ProcessTree.Descendants(root).Prepend(root)))
            {
                if (seen.Add(pid))
                {
                    Send(pid, Signal.Stop);
                    stopped.Add(pid);
                    foundMore = true;
                }
            }
        }
        while (foundMore);

        return stopped;
    }

    /// <summary>SIGKILLs <paramref name="pid"/> if it is still a postgres process (not a reused PID), and waits a little for it to go.</summary>
    public static void KillIfPostmaster(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            if (!process.HasExited && process.ProcessName == "postgres")
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
    }

    /// <summary>Signals a process that may have exited meanwhile (e.g. a backend whose client went away).</summary>
    public static void Send(int pid, Signal signal)
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

    public static Task WaitUntilGoneAsync(IReadOnlyList<int> pids, CancellationToken cancellationToken) =>
        WaitUntilAsync(() => !pids.Any(ProcessTree.IsAlive), $"processes {string.Join(", ", pids)} to exit", cancellationToken);

    /// <summary>SIGSTOP lands asynchronously: a process running on another core shows 'R' for a moment after kill() returned.</summary>
    public static Task WaitUntilStoppedAsync(IReadOnlyList<int> pids, CancellationToken cancellationToken) =>
        WaitUntilAsync(() => pids.All(pid => ProcessTree.StateOf(pid) is null or 'T' or 't' or 'Z' or 'X'),
            $"processes {string.Join(", ", pids)} to stop", cancellationToken);

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + EffectTimeout;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Timed out after {EffectTimeout.TotalSeconds:F0} s waiting for {what}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken).ConfigureAwait(false);
        }
    }
}
