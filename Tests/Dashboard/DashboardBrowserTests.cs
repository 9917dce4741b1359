using System.Diagnostics;
using Microsoft.Playwright;
using Replication.Tests.Kit;

namespace Replication.Tests.Dashboard;

/// <summary>The dashboard, as a user sees it in a real browser, while the graph fails over.</summary>
[Collection(DashboardGraph.Name)]
public sealed class DashboardBrowserTests(DashboardGraphFixture graph)
{
    private const string GatewayMeter = MeterNames.Gateway;

    private static readonly string ChromiumMissing =
        $"No chromium at {DashboardBrowser.ChromiumPath}: the browser tests need Debian's chromium (`apt-get install -y chromium`; .ci/run installs it).";

    private static readonly string[] Resources = ["pg", "pg-0", "pg-1", "pg-2", "usersdb", "primaryservice", "backupservice", "gateway"];

    [Fact]
    public async Task ShowsRolesAndFollowsTheGatewayWhenKillProcessIsClickedOnThePrimaryService()
    {
        Assert.SkipUnless(DashboardBrowser.IsChromiumInstalled, ChromiumMissing);
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var browser = await DashboardBrowser.LaunchAsync();
        var dashboard = new DashboardPage(browser.Page, graph.DashboardUrl);

        await dashboard.LogInAsync(graph.LoginUrl);
        foreach (var resource in Resources.Where(resource => resource != "pg"))
        {
            await dashboard.ExpectStateAsync(resource, KnownResourceStates.Running);
        }

        // The set's state sums it up: its primary, and how many replicas stream from it.
        await dashboard.ExpectStateAsync("pg", "Primary pg 0 with 2 of 2 replicas streaming");

        await dashboard.OpenDetailsAsync("pg-1");
        await dashboard.ExpectPropertyAsync(ReplicaSetProperties.Role, "replica");
        await dashboard.ExpectPropertyAsync(ReplicaSetProperties.SyncState, "async");
        await dashboard.OpenDetailsAsync("pg-0");
        await dashboard.ExpectPropertyAsync(ReplicaSetProperties.Role, "primary");
        await dashboard.ExpectPropertyAsync("Health state", "Healthy");
        await browser.ScreenshotAsync("dashboard-resources");

        // The gateway only learns that the primary is gone from requests: keep some flowing, as users would.
        await using var load = LoadProbe.Start(graph.Workload, new LoadOptions { Concurrency = 2, Pause = TimeSpan.FromMilliseconds(50) });
        await load.WaitForResponsesAsync(20, cancellationToken);
        await dashboard.OpenDetailsAsync("gateway");
        await dashboard.ExpectPropertyAsync(GatewayProperties.ActiveService, "primaryservice");
        await dashboard.ExpectPropertyAsync(GatewayProperties.Circuit("primaryservice"), "Closed");

        try
        {
            await dashboard.RunConfirmedCommandAsync("primaryservice", "Kill process", "Kill primaryservice?");

            await dashboard.ExpectPropertyAsync(GatewayProperties.ActiveService, "backupservice");
            await dashboard.ExpectPropertyAsync(GatewayProperties.Circuit("primaryservice"), "Open");
            await browser.ScreenshotAsync("dashboard-gateway-failed-over");
            await dashboard.ExpectStateAsync("primaryservice", KnownResourceStates.Finished);

            await dashboard.ExpectStructuredLogAsync("gateway", "Gateway failed over to backupservice");

            await dashboard.GoToAsync($"metrics/resource/gateway?meter={GatewayMeter}&instrument=gateway.backup_responses&duration=1");
            await Assertions.Expect(browser.Page.GetByText("Responses served by the backup instead of the primary.").First).ToBeVisibleAsync();
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken); // a few more points after the kill
            await browser.ScreenshotAsync("dashboard-metrics-during-kill");
            var report = await load.StopAsync();
            Assert.True(report.Failed == 0, report.ToString());
        }
        finally
        {
            // Leave the graph whole for the next test.
            if (!graph.App.ResourceNotifications.TryGetCurrentState("primaryservice", out var primary)
                || primary.Snapshot.State?.Text != KnownResourceStates.Running)
            {
                await graph.Faults.StartAsync("primaryservice", cancellationToken);
            }
        }
    }

    [Fact]
    public async Task ShowsTheAttemptAtThePrimaryAndTheHedgeToTheBackupInOneTrace()
    {
        Assert.SkipUnless(DashboardBrowser.IsChromiumInstalled, ChromiumMissing);
        var cancellationToken = TestContext.Current.CancellationToken;
        await graph.WaitUntilBothServicesServeAsync(cancellationToken);

        // The primary answers, but only after the hedging delay: the gateway also sends the request to the backup.
        var traceId = ActivityTraceId.CreateRandom();
        try
        {
            await graph.ServiceFaults.DelayRequestsAsync("primaryservice", TimeSpan.FromSeconds(2), cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/users?limit=1");
            request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            using var response = await graph.Gateway.SendAsync(request, cancellationToken);
            Assert.Equal("backupservice", response.Header("X-Served-By"));
        }
        finally
        {
            await graph.ServiceFaults.ClearAsync("primaryservice", cancellationToken);
        }

        await using var browser = await DashboardBrowser.LaunchAsync();
        var dashboard = new DashboardPage(browser.Page, graph.DashboardUrl);
        await dashboard.LogInAsync(graph.LoginUrl);
        await dashboard.OpenTraceAsync(traceId.ToHexString());
        // One trace: the gateway's attempt at the primary (which the primary received), and its hedge to the backup.
        foreach (var service in new[] { "primaryservice", "backupservice" })
        {
            await Assertions.Expect(browser.Page.Locator(".fluent-data-grid-row", new() { HasText = "GET /users" })
                .Filter(new() { HasText = service }).First).ToBeVisibleAsync();
        }

        await Assertions.Expect(browser.Page.GetByText("HTTP GET 200").First).ToBeVisibleAsync();
        await browser.ScreenshotAsync("dashboard-failover-trace");
    }
}
