using Npgsql;

namespace Replication.Tests.Kit;

/// <summary>
/// The Jepsen-style check: every write the API acknowledged (201) is read back from the current primary and
/// classified as confirmed (present), lost (absent) or errored (could not be checked).
/// </summary>
public sealed record AcknowledgedWritesReport(int Acknowledged, int Confirmed, int Lost, int Errored, long RowsWritten, IReadOnlyList<long> LostIds)
{
    public override string ToString() =>
        $"acknowledged {Acknowledged}: confirmed {Confirmed}, lost {Lost}, errored {Errored}; rows in the database {RowsWritten}" +
        (LostIds.Count > 0 ? $"; lost ids {string.Join(",", LostIds.Take(20))}" : "");
}

public static class AcknowledgedWrites
{
    public static async Task<AcknowledgedWritesReport> VerifyAsync(
        LoadReport report, string emailPrefix, ReplicaSetProbe database, CancellationToken cancellationToken = default)
    {
        var primary = await database.FindPrimaryAsync(cancellationToken);
        var acknowledged = report.AcknowledgedWrites;
        int confirmed = 0, errored = 0;
        var lost = new List<long>();
        await using var connection = await database.OpenAsync(primary, cancellationToken: cancellationToken);
        foreach (var write in acknowledged)
        {
            try
            {
                await using var command = new NpgsqlCommand("SELECT count(*) FROM users WHERE id = @id AND email = @email", connection);
                command.Parameters.AddWithValue("id", write.UserId!.Value);
                command.Parameters.AddWithValue("email", write.Email!);
                if ((long)(await command.ExecuteScalarAsync(cancellationToken))! == 1)
                {
                    confirmed++;
                }
                else
                {
                    lost.Add(write.UserId.Value);
                }
            }
            catch (NpgsqlException)
            {
                errored++;
            }
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM users WHERE email LIKE @prefix", connection);
        count.Parameters.AddWithValue("prefix", emailPrefix + "%");
        var rows = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        return new AcknowledgedWritesReport(acknowledged.Count, confirmed, lost.Count, errored, rows, lost);
    }
}
