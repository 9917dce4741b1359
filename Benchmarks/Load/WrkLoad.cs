using System.Text;

namespace Replication.Benchmarks.Load;

/// <summary>
/// The external load generator: <c>wrk</c> (C, from Debian), so the client's own CPU cost is not the benchmark's
/// HttpClient. Closed loop like <see cref="ClosedLoopLoad"/>: each connection sends its next request when the last one
/// answered. A Lua script picks the paths (reads) or writes unique users (writes) and prints the figures.
/// </summary>
public static class WrkLoad
{
    private const string ResultMarker = "WRK-RESULT";

    /// <summary>Where wrk is, or null when it is not installed (<c>apt-get install wrk</c>).</summary>
    public static string? Executable { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin")
        .Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(directory => Path.Combine(directory, "wrk"))
        .FirstOrDefault(File.Exists);

    public static async Task<ThroughputResult> RunAsync(
        Uri baseAddress, Workload workload, IReadOnlyList<string> paths, int connections, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var script = Path.Combine(Path.GetTempPath(), $"replication-wrk-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script, Script(workload, paths), cancellationToken);
        try
        {
            if (warmup > TimeSpan.Zero)
            {
                await RunWrkAsync(baseAddress, script, connections, warmup, cancellationToken);
            }

            return await RunWrkAsync(baseAddress, script, connections, duration, cancellationToken);
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static async Task<ThroughputResult> RunWrkAsync(Uri baseAddress, string script, int connections, TimeSpan duration, CancellationToken cancellationToken)
    {
        var executable = Executable ?? throw new InvalidOperationException("wrk is not installed (apt-get install wrk).");
        var threads = Math.Min(connections, Environment.ProcessorCount);
        // bash's `times` prints the CPU time of its children (wrk) once wrk has exited.
        var command = string.Create(CultureInfo.InvariantCulture,
            $"'{executable}' -t{threads} -c{connections} -d{Math.Max(1, (int)Math.Round(duration.TotalSeconds))}s --timeout 10s -s '{script}' '{baseAddress}' && times");
        var run = await CommandRunner.RunAsync("bash", ["-c", command], duration + TimeSpan.FromMinutes(1), cancellationToken);
        var text = run.StandardOutput;
        var result = text.Split('\n').FirstOrDefault(line => line.StartsWith(ResultMarker, StringComparison.Ordinal));
        if (!run.Succeeded || result is null)
        {
            throw new InvalidOperationException($"wrk {run.Describe()}: {text}{run.StandardError}");
        }

        // requests, socket errors, non-2xx/3xx, duration µs, p50 µs, p99 µs, max µs, responses served by backupservice, 2xx, refusals, other 5xx
        var figures = result[ResultMarker.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(value => double.Parse(value, CultureInfo.InvariantCulture)).ToArray();
        var requests = (int)figures[0];
        var seconds = figures[3] / 1e6;
        return new ThroughputResult(connections, requests, (int)(figures[1] + figures[2]), requests / seconds,
            TimeSpan.FromMicroseconds(figures[4]), TimeSpan.FromMicroseconds(figures[5]), TimeSpan.FromMicroseconds(figures[6]), ChildrenCpu(text))
        {
            ServedByBackup = (int)figures[7],
            Succeeded = (int)figures[8],
            Refused = (int)figures[9],
            ServerErrors = (int)figures[10],
        };
    }

    /// <summary>The second line of bash's <c>times</c>: user and system time of its children, e.g. <c>0m1.234s 0m0.567s</c>.</summary>
    private static TimeSpan? ChildrenCpu(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var times = lines.Where(line => line.Contains('m') && line.EndsWith('s') && line.Split(' ').Length == 2).ToList();
        if (times.Count < 2)
        {
            return null;
        }

        return times[^1].Split(' ').Select(Minutes).Aggregate(TimeSpan.Zero, (sum, part) => sum + part);

        static TimeSpan Minutes(string value)
        {
            var minutes = value.Split('m');
            return TimeSpan.FromMinutes(double.Parse(minutes[0], CultureInfo.InvariantCulture))
                   + TimeSpan.FromSeconds(double.Parse(minutes[1].TrimEnd('s'), CultureInfo.InvariantCulture));
        }
    }

    private static string Script(Workload workload, IReadOnlyList<string> paths)
    {
        var script = new StringBuilder("threads = {}\n");
        if (workload == Workload.Read)
        {
            script.AppendLine(CultureInfo.InvariantCulture, $"local paths = {{ {string.Join(", ", paths.Select(path => $"\"{path}\""))} }}");
            script.AppendLine("""
                setup = function(thread)
                  table.insert(threads, thread)
                end
                local counter = 0
                request = function()
                  counter = counter + 1
                  return wrk.format("GET", paths[(counter % #paths) + 1])
                end
                """);
        }
        else
        {
            // setup runs once per thread in the main Lua state; each thread gets its own tag, so every email is unique.
            script.AppendLine(CultureInfo.InvariantCulture, $"local run = \"{Workloads.NewRunTag()}\"");
            script.AppendLine("""
                setup = function(thread)
                  table.insert(threads, thread)
                  thread:set("tag", run .. "-" .. #threads)
                end
                local counter = 0
                local headers = { ["Content-Type"] = "application/json" }
                request = function()
                  counter = counter + 1
                  local body = '{"name":"Benchmark user","email":"bench-' .. tag .. '-' .. counter .. '@example.com"}'
                """);
            if (workload == Workload.KeyedWrite)
            {
                script.AppendLine("  headers[\"Idempotency-Key\"] = 'bench-' .. tag .. '-' .. counter");
            }

            script.AppendLine("""
                  return wrk.format("POST", "/users", headers, body)
                end
                """);
        }

        // Each thread counts, in its own Lua state, the responses the backup served (a hedge or a failover) and each kind of
        // answer (ResponseKinds); done() adds them up. wrk lowercases no header names: both spellings are looked up.
        script.AppendLine(CultureInfo.InvariantCulture, $$"""
            backups = 0
            succeeded = 0
            refused = 0
            failed5xx = 0
            response = function(status, headers, body)
              if headers["{{ReplicationHeaders.ServedBy}}"] == "{{ResourceNames.BackupService}}" then backups = backups + 1 end
              if status >= 200 and status < 300 then succeeded = succeeded + 1
              elseif (status == 503 or status == 429) and (headers["Retry-After"] or headers["retry-after"]) then refused = refused + 1
              elseif status >= 500 then failed5xx = failed5xx + 1 end
            end
            done = function(summary, latency, requests)
              local errors = summary.errors
              local served, ok, refusals, failures = 0, 0, 0, 0
              for _, thread in ipairs(threads) do
                served = served + (thread:get("backups") or 0)
                ok = ok + (thread:get("succeeded") or 0)
                refusals = refusals + (thread:get("refused") or 0)
                failures = failures + (thread:get("failed5xx") or 0)
              end
              io.write(string.format("{{ResultMarker}} %d %d %d %d %d %d %d %d %d %d %d\n", summary.requests,
                errors.connect + errors.read + errors.write + errors.timeout, errors.status, summary.duration,
                latency:percentile(50), latency:percentile(99), latency.max, served, ok, refusals, failures))
            end
            """);
        return script.ToString();
    }
}
