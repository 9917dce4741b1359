namespace Replication.Testing;

/// <summary>
/// The Jepsen-style check of a load: every write the app acknowledged is looked for in the final read (straight from the
/// database, <see cref="HttpWorkload.StoredKeysAsync"/>) and classified as confirmed (present) or lost (absent).
/// </summary>
/// <param name="Acknowledged">Writes the app acknowledged.</param>
/// <param name="Confirmed">Of those, how many the final read found.</param>
/// <param name="Lost">Of those, how many it did not.</param>
/// <param name="Stored">How many values of the load the final read found, acknowledged or not (a write may succeed unacknowledged), duplicates included.</param>
/// <param name="LostKeys">The keys of the lost writes.</param>
public sealed record AcknowledgedWritesReport(int Acknowledged, int Confirmed, int Lost, int Stored, IReadOnlyList<string> LostKeys)
{
    public override string ToString() =>
        $"acknowledged {Acknowledged}: confirmed {Confirmed}, lost {Lost}; values stored {Stored}" +
        (LostKeys.Count > 0 ? $"; lost {string.Join(", ", LostKeys.Take(20))}" : "");
}

public static class AcknowledgedWrites
{
    /// <summary>Reads the load's values back and checks each acknowledged write against them.</summary>
    public static async Task<AcknowledgedWritesReport> VerifyAsync(LoadReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        var storedKeys = await report.Workload.StoredKeysAsync(report.KeyPrefix, cancellationToken).ConfigureAwait(false);
        var stored = storedKeys.ToHashSet(StringComparer.Ordinal);
        var acknowledged = report.AcknowledgedWrites;
        var lost = acknowledged.Where(write => !stored.Contains(write.Key!)).Select(write => write.Key!).ToList();
        return new AcknowledgedWritesReport(acknowledged.Count, acknowledged.Count - lost.Count, lost.Count, storedKeys.Count, lost);
    }
}
