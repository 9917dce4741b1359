namespace Replication.Tests.Kit;

/// <summary>
/// Whether any resource log line of a graph holds a password of its replica set. The nodes log their DDL, and role and
/// replication settings carry passwords; whatever runs them must keep them out of the logs.
/// </summary>
public static class PasswordsInLogs
{
    /// <summary>Fails, naming each such line as "resource: line N" (never quoting it), when any line so far holds one of the passwords.</summary>
    public static async Task AssertNoneAsync(Graph graph, CancellationToken cancellationToken)
    {
        var set = graph.Database.ReplicaSet;
        List<string> passwords = [];
        foreach (var parameter in new[] { set.SuperuserPassword, set.ReplicationPassword, set.ApplicationPassword })
        {
            passwords.Add((await parameter.GetValueAsync(cancellationToken))!);
        }

        var logs = graph.App.Services.GetRequiredService<ResourceLoggerService>();
        List<string> leaks = [];
        foreach (var resource in graph.App.Services.GetRequiredService<DistributedApplicationModel>().Resources)
        {
            await foreach (var lines in logs.GetAllAsync(resource).WithCancellation(cancellationToken))
            {
                leaks.AddRange(lines.Where(line => passwords.Exists(password => line.Content.Contains(password, StringComparison.Ordinal)))
                    .Select(line => $"{resource.Name}: line {line.LineNumber}"));
            }
        }

        Assert.True(leaks.Count == 0, $"A password of the replica set is in these log lines: {string.Join(", ", leaks)}");
    }
}
