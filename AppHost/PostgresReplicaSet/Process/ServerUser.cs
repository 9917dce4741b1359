using System.Runtime.InteropServices;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// PostgreSQL refuses to run as root. When the AppHost is root, every server command runs as the
/// <c>postgres</c> system user through <c>setpriv</c>, which execs in place: the process Aspire
/// watches is the server itself, so stopping or killing the resource stops the server.
/// </summary>
internal sealed partial class ServerUser
{
    private const string SystemUserName = "postgres";

    private ServerUser(uint? userId, uint? groupId)
    {
        UserId = userId;
        GroupId = groupId;
    }

    /// <summary>Set when commands must switch user; null when the AppHost's own user runs them.</summary>
    public uint? UserId { get; }

    public uint? GroupId { get; }

    public bool SwitchesUser => UserId is not null;

    public static ServerUser Current()
    {
        if (!OperatingSystem.IsLinux() || GetEffectiveUserId() != 0)
        {
            return new ServerUser(null, null);
        }

        var entry = File.ReadLines("/etc/passwd")
            .Select(line => line.Split(':'))
            .FirstOrDefault(fields => fields.Length > 3 && fields[0] == SystemUserName)
            ?? throw new InvalidOperationException(
                "The AppHost runs as root, and PostgreSQL refuses to. Create the 'postgres' system user " +
                "(the Debian/Ubuntu 'postgresql' package does) or run the AppHost as an ordinary user.");
        return new ServerUser(uint.Parse(entry[2], System.Globalization.CultureInfo.InvariantCulture),
            uint.Parse(entry[3], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The executable and arguments that run <paramref name="program"/> as the server user.</summary>
    public (string Command, IReadOnlyList<string> PrefixArguments) Wrap(string program) => SwitchesUser
        ? ("setpriv", [$"--reuid={UserId}", $"--regid={GroupId}", "--init-groups", "--", program])
        : (program, []);

    /// <summary>Makes the server user own <paramref name="path"/>.</summary>
    public void GiveOwnership(string path)
    {
        if (SwitchesUser && Chown(path, UserId!.Value, GroupId!.Value) != 0)
        {
            throw new IOException($"chown {path} failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, uint owner, uint group);
}
