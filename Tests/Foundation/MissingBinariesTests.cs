using Replication.Tests.Kit;

namespace Replication.Tests.Foundation;

/// <summary>Without PostgreSQL binaries the AppHost stops at once with one line saying what to install.</summary>
public sealed class MissingBinariesTests
{
    [Fact]
    public async Task TheAppHostExitsWithAClearMessageAndNoStackTrace()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (exitCode, text) = await AppHostProcess.RunAsync(
            ["--Postgres:BinDirectory=/nonexistent/postgresql/bin", "--Gateway:Port=0"],
            new Dictionary<string, string>
            {
                ["DOTNET_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = "http://127.0.0.1:0",
                ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = "http://127.0.0.1:0",
                ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
            },
            TimeSpan.FromSeconds(90),
            cancellationToken);

        Assert.Equal(1, exitCode);
        Assert.Contains("PostgreSQL server binaries were not found", text, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y postgresql", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }
}
