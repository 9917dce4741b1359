using Microsoft.Extensions.Options;
using Replication.Gateway;

namespace Replication.Tests.GatewayFailover;

/// <summary>The hedge budget's arithmetic: a share of the window's requests plus a reserve, and old seconds leave the window.</summary>
public sealed class HedgeBudgetTests
{
    [Fact]
    public void HedgesAreAShareOfRecentRequests_PlusTheReserve()
    {
        var clock = new ManualClock();
        var budget = Budget(clock, percent: 20, perSecond: 1, window: TimeSpan.FromSeconds(10));
        for (var i = 0; i < 100; i++)
        {
            budget.Deposit();
        }

        // 20 % of 100 requests, plus 1 a second over 10 seconds.
        Assert.Equal(30, Withdrawals(budget));
    }

    [Fact]
    public void RequestsOlderThanTheWindow_NoLongerEarnHedges()
    {
        var clock = new ManualClock();
        var budget = Budget(clock, percent: 50, perSecond: 0, window: TimeSpan.FromSeconds(5));
        for (var i = 0; i < 10; i++)
        {
            budget.Deposit();
        }

        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(0, Withdrawals(budget));

        budget.Deposit();
        budget.Deposit();
        Assert.Equal(1, Withdrawals(budget));
    }

    [Fact]
    public void HedgesSpentLeaveTheWindowToo()
    {
        var clock = new ManualClock();
        var budget = Budget(clock, percent: 0, perSecond: 2, window: TimeSpan.FromSeconds(2));
        Assert.Equal(4, Withdrawals(budget));

        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(4, Withdrawals(budget));
    }

    private static HedgeBudget Budget(TimeProvider clock, double percent, int perSecond, TimeSpan window) =>
        new(Options.Create(new GatewayOptions { HedgeBudgetPercent = percent, HedgeBudgetPerSecond = perSecond, HedgeBudgetWindow = window }), clock);

    private static int Withdrawals(HedgeBudget budget)
    {
        var taken = 0;
        while (taken < 10_000 && budget.TryWithdraw())
        {
            taken++;
        }

        return taken;
    }

    private sealed class ManualClock : TimeProvider
    {
        private long ticks = TimeSpan.FromDays(1).Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => ticks;

        public void Advance(TimeSpan by) => ticks += by.Ticks;
    }
}
