using Replication.Tests.Kit;

namespace Replication.Tests.Foundation;

/// <summary>
/// What the chosen runtime needs is missing: the AppHost stops at once, with exit code 1 and one line saying what to
/// install or start, and no stack trace.
/// </summary>
public sealed class MissingBinariesTests
{
    [Fact]
    public async Task WithoutPostgreSQLBinaries_TheAppHostExitsWithAClearMessageAndNoStackTrace()
    {
        var (exitCode, text) = await RunAppHostAsync(["--Postgres:Runtime=Process", "--Postgres:BinDirectory=/nonexistent/postgresql/bin"], []);

        Assert.Equal(1, exitCode);
        Assert.Contains("PostgreSQL server binaries were not found", text, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y postgresql", text, StringComparison.Ordinal);
        AssertNoStackTrace(text);
    }

    [Fact]
    public async Task ContainerWithoutAnEngine_TheAppHostExitsWithAClearMessageAndNoStackTrace()
    {
        var (exitCode, text) = await RunAppHostAsync(
            ["--Postgres:Runtime=Container"], new() { ["ASPIRE_CONTAINER_RUNTIME"] = "/nonexistent/docker" });

        Assert.Equal(1, exitCode);
        var line = Assert.Single(text.Split('\n'), line => line.Contains("Postgres:Runtime is Container, but the container runtime", StringComparison.Ordinal));
        Assert.Contains("'/nonexistent/docker' did not answer", line, StringComparison.Ordinal);
        Assert.Contains("--Postgres:Runtime=Process", line, StringComparison.Ordinal);
        AssertNoStackTrace(text);
    }

    private static Task<(int ExitCode, string Output)> RunAppHostAsync(string[] arguments, Dictionary<string, string> environment) =>
        AppHostProcess.RunAsync(
            ["--Gateway:Port=0", .. arguments],
            AppHostProcess.DevelopmentEnvironment.Concat(environment).ToDictionary(),
            TimeSpan.FromSeconds(90),
            TestContext.Current.CancellationToken);

    private static void AssertNoStackTrace(string text)
    {
        Assert.DoesNotContain("Unhandled exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }
}
