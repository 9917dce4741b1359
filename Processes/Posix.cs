using System.Runtime.InteropServices;

namespace Replication.Processes;

/// <summary>
/// The POSIX calls the graph needs (user ids, ownership), behind one platform guard: Linux and macOS are supported,
/// anything else gets a <see cref="PlatformNotSupportedException"/> that says what needed POSIX.
/// </summary>
public static partial class Posix
{
    /// <summary>Whether this platform has the POSIX calls and signals this library uses (Linux, macOS, FreeBSD).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    /// <summary>Throws a <see cref="PlatformNotSupportedException"/> naming <paramref name="what"/> unless <see cref="IsSupported"/>.</summary>
    /// <param name="what">What needed POSIX, for the message (e.g. "Sending SIGSTOP").</param>
    public static void EnsureSupported(string what)
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException(
                $"{what} needs a POSIX system (Linux or macOS); {RuntimeInformation.OSDescription} is not one.");
        }
    }

    /// <summary>The effective user id of this process; 0 is root.</summary>
    /// <returns>The id, or null on a platform without POSIX user ids.</returns>
    public static uint? EffectiveUserId() => IsSupported ? GetEffectiveUserId() : null;

    /// <summary>The effective group id of this process.</summary>
    /// <returns>The id, or null on a platform without POSIX group ids.</returns>
    public static uint? EffectiveGroupId() => IsSupported ? GetEffectiveGroupId() : null;

    /// <summary>Makes <paramref name="userId"/>:<paramref name="groupId"/> own <paramref name="path"/> (chown(2)).</summary>
    /// <param name="path">A file or directory.</param>
    /// <param name="userId">The new owner.</param>
    /// <param name="groupId">The new group.</param>
    public static void ChangeOwner(string path, uint userId, uint groupId)
    {
        EnsureSupported("Changing a file's owner");
        if (Chown(path, userId, groupId) != 0)
        {
            throw new IOException($"chown {path} to {userId}:{groupId} failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "getegid")]
    private static partial uint GetEffectiveGroupId();

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, uint owner, uint group);
}
