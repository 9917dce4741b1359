using Replication.Tests.Kit;

namespace Replication.Tests.Dashboard;

/// <summary>The whole graph with the Aspire dashboard running (on ports and with a login token the test host picks).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DashboardGraph : ICollectionFixture<DashboardGraphFixture>
{
    public const string Name = "Dashboard graph";
}

public sealed class DashboardGraphFixture : GraphFixture
{
    protected override bool EnableDashboard => true;

    /// <summary>The dashboard's login URL with its token, as the AppHost publishes it: opening it signs the browser in.</summary>
    public Uri LoginUrl =>
        App.ResourceNotifications.TryGetCurrentState("aspire-dashboard", out var dashboard)
        && dashboard.Snapshot.Urls.FirstOrDefault(url => url.Url.Contains("/login?t=", StringComparison.Ordinal)) is { } login
            ? new Uri(login.Url)
            : throw new InvalidOperationException("The dashboard publishes no login URL; is it enabled?");

    public Uri DashboardUrl => new(LoginUrl.GetLeftPart(UriPartial.Authority) + "/");
}
