namespace Replication.Tests.Kit;

/// <summary>
/// Which resource log lines of an app hold a password of its replica set. The nodes log their DDL, and role and
/// replication settings carry passwords; whatever runs them must keep them out of the logs.
/// </summary>
public static class PasswordsInLogs
{
    /// <summary>"resource: line N" of every line, in every resource's log so far, that holds one of the passwords.</summary>
    public static async Task<IReadOnlyList<string>> FindAsync(DistributedApplication app, CancellationToken cancellationToken)
    {
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        var set = model.Resources.OfType<PostgresReplicaSetResource>().Single();
        List<string> passwords = [];
        foreach (var parameter in new[] { set.SuperuserPassword, set.ReplicationPassword, set.ApplicationPassword })
        {
            passwords.Add((await parameter.GetValueAsync(cancellationToken))!);
        }

        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        List<string> found = [];
        foreach (var resource in model.Resources)
        {
            await foreach (var lines in logs.GetAllAsync(resource).WithCancellation(cancellationToken))
            {
                // Named by line, never quoted: the message must not leak what it reports.
                found.AddRange(lines.Where(line => passwords.Exists(password => line.Content.Contains(password, StringComparison.Ordinal)))
                    .Select(line => $"{resource.Name}: line {line.LineNumber}"));
            }
        }

        return found;
    }
}
