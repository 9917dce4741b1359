using System.Diagnostics;

namespace Replication.Tests.ContainerRuntime;

/// <summary>Whether the container runtime Aspire would use (docker, or ASPIRE_CONTAINER_RUNTIME) answers here.</summary>
internal static class ContainerEngine
{
    public static string Configured =>
        Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME")
        ?? Environment.GetEnvironmentVariable("DOTNET_ASPIRE_CONTAINER_RUNTIME")
        ?? "docker";

    public static async Task<bool> AnswersAsync()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(Configured, ["info"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var drained = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            await drained;
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // Not installed.
        }
    }
}
