using System.Globalization;

namespace Replication.AppHost.ServiceFaults;

/// <summary>Linux process facts read from /proc: liveness, state and descendants.</summary>
public static class ProcessTree
{
    public static bool IsAlive(int pid)
    {
        // A zombie has exited; only its parent has not collected it yet.
        var stat = ReadStat(pid);
        return stat is not null && stat.Value.State != 'Z' && stat.Value.State != 'X';
    }

    /// <summary>The state letter from /proc (R running, S sleeping, T stopped, Z zombie), or null when gone.</summary>
    public static char? StateOf(int pid) => ReadStat(pid)?.State;

    /// <summary>Every live process below <paramref name="pid"/>, children first.</summary>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var candidate)
                && ReadStat(candidate) is { } stat)
            {
                parents[candidate] = stat.ParentPid;
            }
        }

        var result = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.TryDequeue(out var current))
        {
            foreach (var (child, parent) in parents)
            {
                if (parent == current)
                {
                    result.Add(child);
                    frontier.Enqueue(child);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The program <c>dotnet run</c> started: the process at or below <paramref name="wrapperPid"/> whose command line names
    /// <paramref name="assemblyName"/> and is not the <c>dotnet run</c> wrapper itself; null when none runs (yet).
    /// </summary>
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

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static (char State, int ParentPid)? ReadStat(int pid)
    {
        try
        {
            // Format: "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
