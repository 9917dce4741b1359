namespace Replication.Testing;

/// <summary>
/// Two failovers in a row: the primary killed, a replica promoted, writes acknowledged through it, and then that new
/// primary killed too. It needs at least three replicas for a synchronous standby to remain.
/// </summary>
public sealed class DoubleFailover : Nemesis
{
    /// <summary>How long writes may take to resume through a promoted replica.</summary>
    public static readonly TimeSpan WritesResumeTimeout = TimeSpan.FromSeconds(60);

    private readonly List<TimeSpan> promotedAt = [];

    public override string Name => "double failover";

    /// <summary>When each promotion was seen, on the history's clock.</summary>
    public IReadOnlyList<TimeSpan> PromotedAt => promotedAt;

    public override async Task StartAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        promotedAt.Clear();
        string? promotedFirst = null;
        for (var failover = 1; failover <= 2; failover++)
        {
            if (promotedFirst is not null)
            {
                // Under Sync the second kill waits for the new primary's synchronous standby, as Patroni promotes only a
                // standby its /sync key names: a primary lost before it has one is, rightly, not replaced.
                await context.HaManager.WaitForSynchronousStandbyAsync(promotedFirst, cancellationToken);
                context.Log($"{promotedFirst} has a synchronous standby");
            }

            var kill = new KillPrimary();
            await kill.StartAsync(context, cancellationToken);
            await kill.StopAsync(context, cancellationToken);
            var promoted = context.History.Elapsed;
            promotedAt.Add(promoted);
            await Poll.UntilOrThrowAsync(_ => Task.FromResult(context.History.AcknowledgedSince(promoted) > 0), WritesResumeTimeout,
                TimeSpan.FromMilliseconds(50), $"a write acknowledged through {kill.Promoted}", cancellationToken);
            context.Log($"writes resumed through {kill.Promoted}");
            promotedFirst = kill.Promoted;
        }
    }

    public override Task StopAsync(NemesisContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
