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
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The launch profile would pin the dashboard to 15080; these are its settings with free ports instead.
        foreach (var argument in (string[])["run", "--project", projectPath, "--no-build", "--configuration", configuration, "--no-launch-profile", "--", $"--Gateway:Port={gatewayPort}"])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_URLS"] = $"http://localhost:{BuiltProjects.FreePort()}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{BuiltProjects.FreePort()}";
        start.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{BuiltProjects.FreePort()}";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";

        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) => Keep(output, line.Data);
        process.ErrorDataReceived += (_, line) => Keep(output, line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        int? appHostPid = null;
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://localhost:{gatewayPort}"), Timeout = TimeSpan.FromSeconds(5) };
            var ready = await Poll.UntilAsync(async token =>
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"dotnet run exited with {process.ExitCode}:\n{string.Join('\n', output)}");
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
                throw new TimeoutException($"The gateway on port {gatewayPort} did not answer 200 within 3 min:\n{string.Join('\n', output)}");
            }

            table.Add($"`dotnet run --project AppHost` ({configuration}, already built) to the gateway's first 200", ResultTable.Seconds(clock.Elapsed));
            appHostPid = AppHostProcess(process.Id, assemblyName);
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            return GraphMemory.Measure(appHostPid.Value);
        }
        finally
        {
            await StopAsync(process, appHostPid ?? AppHostProcess(process.Id, assemblyName));
        }
    }

    private static void Keep(System.Collections.Concurrent.ConcurrentQueue<string> output, string? line)
    {
        if (line is null)
        {
            return;
        }

        output.Enqueue(line);
        while (output.Count > 40)
        {
            output.TryDequeue(out _);
        }
    }

    private static int AppHostProcess(int wrapperPid, string assemblyName) =>
        ProcessTree.ProgramBelow(wrapperPid, assemblyName) ?? wrapperPid;

    /// <summary>SIGTERM to the AppHost, as Ctrl+C would; it stops its resources through DCP. What is left after a minute is killed.</summary>
    private static async Task StopAsync(Process wrapper, int appHostPid)
    {
        using (var terminate = Process.Start("kill", ["-TERM", appHostPid.ToString(CultureInfo.InvariantCulture)]))
        {
            await terminate.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await wrapper.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            wrapper.Kill(entireProcessTree: true);
        }

        // DCP detaches from the AppHost; it tears the resources down once it sees the AppHost gone. Wait for that,
        // so the next measurement does not share the machine with a graph that is still stopping.
        await Poll.UntilAsync(_ => Task.FromResult(!Directory.EnumerateDirectories("/proc")
            .Select(directory => int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Any(pid => pid > 0 && ProcessTree.CommandLine(pid).Contains($"--monitor {appHostPid} ", StringComparison.Ordinal))),
            TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(500));
    }
}
