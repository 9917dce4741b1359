using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// initdb once per machine: initialised clusters kept in this user's root (<see cref="RunDirectory.Root"/>), one per
/// PostgreSQL build and initdb options, which the initial primary's init copies instead of running initdb
/// (<c>Scripts/cached-initdb.sh</c>). A cluster in the cache holds a throwaway superuser password; each run sets its own.
/// A new PostgreSQL build (another binary) or other options make another entry; deleting the directory is always safe.
/// </summary>
internal static class InitDbCache
{
    public const string Script = "cached-initdb.sh";

    public static string Root => Path.Combine(RunDirectory.Root, "initdb-cache");

    /// <summary>The entry for these binaries and options: named by a hash of the initdb and postgres binaries (path, size, time) and the options.</summary>
    public static string EntryFor(PostgresBinaries binaries, IEnumerable<string> initDbOptions)
    {
        var identity = new StringBuilder();
        foreach (var program in (string[])[binaries.InitDb, binaries.Postgres])
        {
            var file = new FileInfo(program);
            identity.Append(CultureInfo.InvariantCulture, $"{file.FullName}|{(file.Exists ? file.Length : -1)}|{(file.Exists ? file.LastWriteTimeUtc.Ticks : 0)}\n");
        }

        identity.AppendJoin('\n', initDbOptions);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToString())))[..16];
        return Path.Combine(Root, hash);
    }
}
