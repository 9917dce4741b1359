using System.Diagnostics;
using System.Reflection;
using Replication.Benchmarks.Memory;
using Replication.Benchmarks.Reporting;

namespace Replication.Benchmarks.Sections;

/// <summary>Time from start to a healthy graph: the kit's fixture, and <c>dotnet run --project AppHost</c> to the gateway's first 200.</summary>
public static class BootSection
{
    public static ResultTable CreateTable() => new("boot", "Boot: start to a healthy graph", "how", "seconds");

    /// <summary>
    /// Starts the AppHost with <c>dotnet run</c> on free ports (never the default 5080/15080, which a developer may be using),
    /// times it to the gateway's first 200, measures the AppHost's memory on its own, and stops exactly the processes it started.
    /// </summary>
    public static async Task<IReadOnlyList<MemoryGroup>> MeasureDotnetRunAsync(ResultTable table, CancellationToken cancellationToken)
    {
        Progress.Log("Boot: dotnet run --project AppHost");
        var projectPath = Projects.Replication_AppHost.ProjectPath;
        var assemblyName = Path.GetFileNameWithoutExtension(BuiltProjects.AssemblyOf(projectPath));
        var configuration = typeof(BootSection).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var gatewayPort = BuiltProjects.FreePort();
        // The launch profile would pin the dashboard to 15080; these are its settings with free ports instead. The
        // runtime is pinned as the fixtures pin it: where a container engine answers, Auto would measure containers.
        var command = new CommandLine("dotnet",
            ["run", "--project", projectPath, "--no-build", "--configuration", configuration, "--no-launch-profile", "--",
             $"--Gateway:Port={gatewayPort}", "--Postgres:Runtime=Process"])
        {
            Environment = new Dictionary<string, string?>
            {
                ["ASPNETCORE_URLS"] = $"http://localhost:{BuiltProjects.FreePort()}",
                ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{BuiltProjects.FreePort()}",
                ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{BuiltProjects.FreePort()}",
                ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["DOTNET_ENVIRONMENT"] = "Development",
            },
        };

        var clock = Stopwatch.StartNew();
        await using var process = BackgroundCommand.Start(command);
        int? appHostPid = null;
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://localhost:{gatewayPort}"), Timeout = TimeSpan.FromSeconds(5) };
            var ready = await Poll.UntilAsync(async token =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"dotnet run exited with {await process.Completion}:\n{string.Join('\n', process.RecentOutput.TakeLast(40))}");
                }

                try
                {
                    using var response = await client.GetAsync("/users?limit=1", token);
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
                {
                    return false;
                }
            }, TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(100), cancellationToken);
            if (!ready)
            {
                throw new TimeoutException($"The gateway on port {gatewayPort} did not answer 200 within 3 min:\n{string.Join('\n', process.RecentOutput.TakeLast(40))}");
            }

            table.Add($"`dotnet run --project AppHost` ({configuration}, already built) to the gateway's first 200", ResultTable.Seconds(clock.Elapsed));
            appHostPid = AppHostProcess(process.ProcessId, assemblyName);
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            return GraphMemory.Measure(appHostPid.Value);
        }
        finally
        {
            await StopAsync(process, appHostPid ?? AppHostProcess(process.ProcessId, assemblyName));
        }
    }

    private static int AppHostProcess(int wrapperPid, string assemblyName) =>
        ProcessTree.ProgramBelow(wrapperPid, assemblyName) ?? wrapperPid;

    /// <summary>SIGTERM to the AppHost, as Ctrl+C would; it stops its resources through DCP. What is left after a minute is killed.</summary>
    private static async Task StopAsync(BackgroundCommand wrapper, int appHostPid)
    {
        if (ProcessTree.IsAlive(appHostPid))
        {
            Signals.Send(appHostPid, Signal.Terminate);
        }

        await wrapper.StopAsync(TimeSpan.FromMinutes(1));

        // DCP detaches from the AppHost; it tears the resources down once it sees the AppHost gone. Wait for that,
        // so the next measurement does not share the machine with a graph that is still stopping.
        await Poll.UntilAsync(_ => Task.FromResult(!ProcessTree.All()
            .Any(process => process.CommandLine.Contains($"--monitor {appHostPid} ", StringComparison.Ordinal))),
            TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(500));
    }
}
