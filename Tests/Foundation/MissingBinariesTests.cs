using System.Diagnostics;
using Replication.Tests.Kit;

namespace Replication.Tests.Foundation;

/// <summary>Without PostgreSQL binaries the AppHost stops at once with one line saying what to install.</summary>
public sealed class MissingBinariesTests
{
    [Fact]
    public async Task TheAppHostExitsWithAClearMessageAndNoStackTrace()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var appHost = BuiltProjects.AssemblyOf(Projects.Replication_AppHost.ProjectPath);
        var start = new ProcessStartInfo("dotnet", [appHost, "--Postgres:BinDirectory=/nonexistent/postgresql/bin", "--Gateway:Port=0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["DOTNET_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = "http://127.0.0.1:0",
                ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = "http://127.0.0.1:0",
                ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
            },
        };

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var text = await output + await errors;
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("PostgreSQL server binaries were not found", text, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y postgresql", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }
}
