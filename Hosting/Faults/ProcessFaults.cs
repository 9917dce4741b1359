using System.Globalization;
using Replication.Processes;

namespace Replication.Hosting.Faults;

/// <summary>Crashes and freezes of processes on this machine, given the roots of what is to be hit.</summary>
internal static class ProcessFaults
{
    /// <summary>
    /// SIGKILLs every process of <paramref name="roots"/> and below at once: all are stopped first, so that none can
    /// react (restart a child, reinitialise) while the others die. Null when nothing runs.
    /// </summary>
    public static async Task<string?> KillAsync(IReadOnlyList<int> roots, CancellationToken cancellationToken)
    {
        if (roots.Count == 0)
        {
            return null;
        }

        var all = ProcessSignals.StopEverythingBelow(roots, []);
        foreach (var pid in all.AsEnumerable().Reverse())
        {
            ProcessSignals.Send(pid, Signal.Kill);
        }

        await ProcessSignals.WaitUntilGoneAsync(all, cancellationToken).ConfigureAwait(false);
        return string.Create(CultureInfo.InvariantCulture, $"processes {string.Join(", ", all)}");
    }

    /// <summary>
    /// SIGSTOPs <paramref name="first"/> (e.g. a standby's walsenders on its primary), then every process of
    /// <paramref name="roots"/> and below; returns once all are stopped, with the way back (SIGCONT, in reverse order).
    /// </summary>
    public static async Task<FrozenMember> FreezeAsync(string name, IReadOnlyList<int> roots, IReadOnlyList<int> first, string? firstDescription, CancellationToken cancellationToken)
    {
        if (roots.Count == 0)
        {
            throw new InvalidOperationException($"No process of {name} runs.");
        }

        foreach (var pid in first)
        {
            ProcessSignals.Send(pid, Signal.Stop);
        }

        var own = ProcessSignals.StopEverythingBelow(roots, first);
        List<int> frozen = [.. first, .. own];
        Task ResumeAsync()
        {
            foreach (var pid in frozen.AsEnumerable().Reverse())
            {
                ProcessSignals.Send(pid, Signal.Continue);
            }

            return Task.CompletedTask;
        }

        try
        {
            await ProcessSignals.WaitUntilStoppedAsync(frozen, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A freeze that throws leaves nothing stopped: a primary's walsender left in 'T' would hold its shutdown for ever.
            await ResumeAsync().ConfigureAwait(false);
            throw;
        }

        var description = string.Create(CultureInfo.InvariantCulture, $"{name}: processes {string.Join(", ", own)}") +
                          (first.Count > 0 ? $"; {firstDescription} {string.Join(", ", first)}" : "");
        return new FrozenMember(description, ResumeAsync);
    }
}
