using System.Globalization;

namespace Replication.Processes;

/// <summary>One process as the process table shows it.</summary>
/// <param name="Pid">Its id.</param>
/// <param name="ParentPid">Its parent's id.</param>
/// <param name="State">Its state letter: R running, S sleeping, T stopped, Z zombie.</param>
/// <param name="CommandLine">Its arguments, separated by spaces.</param>
public sealed record ProcessEntry(int Pid, int ParentPid, char State, string CommandLine);

/// <summary>
/// Process facts the graph's faults rely on: liveness, state and descendants. Read from /proc on Linux and from
/// <c>ps</c> on macOS.
/// </summary>
public static class ProcessTree
{
    private static readonly TimeSpan PsTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Whether <paramref name="pid"/> runs (a zombie has exited: only its parent has not collected it yet).</summary>
    /// <param name="pid">The process.</param>
    /// <returns>True while it runs or is frozen.</returns>
    public static bool IsAlive(int pid) => StateOf(pid) is { } state && state != 'Z' && state != 'X';

    /// <summary>The state letter of <paramref name="pid"/>: R running, S sleeping, T stopped, Z zombie.</summary>
    /// <param name="pid">The process.</param>
    /// <returns>The letter, or null when the process is gone.</returns>
    public static char? StateOf(int pid) => Read(pid)?.State;

    /// <summary>Every live process below <paramref name="pid"/>, children first.</summary>
    /// <param name="pid">The ancestor.</param>
    /// <returns>Their ids, breadth first.</returns>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var children = All().ToLookup(entry => entry.ParentPid, entry => entry.Pid);
        var result = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.TryDequeue(out var current))
        {
            foreach (var child in children[current])
            {
                result.Add(child);
                frontier.Enqueue(child);
            }
        }

        return result;
    }

    /// <summary>
    /// The program <c>dotnet run</c> started: the process at or below <paramref name="wrapperPid"/> whose command line names
    /// <paramref name="assemblyName"/> and is not the <c>dotnet run</c> wrapper itself.
    /// </summary>
    /// <param name="wrapperPid">The wrapper Aspire started for a project.</param>
    /// <param name="assemblyName">The project's assembly name.</param>
    /// <returns>Its id, or null when none runs (yet).</returns>
    public static int? ProgramBelow(int wrapperPid, string assemblyName)
    {
        foreach (var candidate in Descendants(wrapperPid).Prepend(wrapperPid))
        {
            var commandLine = CommandLine(candidate);
            if (commandLine.Contains(assemblyName, StringComparison.Ordinal) && !commandLine.Contains(" run ", StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The command line of <paramref name="pid"/>, arguments separated by spaces.</summary>
    /// <param name="pid">The process.</param>
    /// <returns>The command line, or an empty string when the process is gone.</returns>
    public static string CommandLine(int pid) => Read(pid)?.CommandLine ?? "";

    /// <summary>Every process on the machine.</summary>
    /// <returns>A snapshot of the process table.</returns>
    public static IReadOnlyList<ProcessEntry> All()
    {
        Posix.EnsureSupported("Reading the process table");
        if (!OperatingSystem.IsLinux())
        {
            return FromPs(["-A"]);
        }

        var entries = new List<ProcessEntry>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid) && ReadProc(pid) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    private static ProcessEntry? Read(int pid)
    {
        Posix.EnsureSupported("Reading the process table");
        return OperatingSystem.IsLinux()
            ? ReadProc(pid)
            : FromPs(["-p", pid.ToString(CultureInfo.InvariantCulture)]).FirstOrDefault();
    }

    private static ProcessEntry? ReadProc(int pid)
    {
        try
        {
            // Format: "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            return new ProcessEntry(pid, int.Parse(fields[1], CultureInfo.InvariantCulture), fields[0][0], commandLine);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static List<ProcessEntry> FromPs(IEnumerable<string> selection)
    {
        var result = CommandRunner.Run("ps", [.. selection, "-o", "pid=,ppid=,stat=,command="], PsTimeout);
        var entries = new List<ProcessEntry>();
        foreach (var line in result?.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [])
        {
            var fields = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 3
                && int.TryParse(fields[0], CultureInfo.InvariantCulture, out var pid)
                && int.TryParse(fields[1], CultureInfo.InvariantCulture, out var parent))
            {
                entries.Add(new ProcessEntry(pid, parent, fields[2][0], fields.Length > 3 ? fields[3] : ""));
            }
        }

        return entries;
    }
}
