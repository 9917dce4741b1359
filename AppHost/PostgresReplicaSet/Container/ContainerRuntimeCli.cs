using System.ComponentModel;
using System.Diagnostics;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Runs the container runtime's own command line (<c>docker</c> or <c>podman</c>) with a time limit.</summary>
internal static class ContainerRuntimeCli
{
    /// <summary>The runtime Aspire itself uses: <c>ASPIRE_CONTAINER_RUNTIME</c> (or the older <c>DOTNET_</c> name), docker by default.</summary>
    public static string Configured(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        configuration["ASPIRE_CONTAINER_RUNTIME"] ?? configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"] ?? "docker";

    /// <summary>True when the command exits with 0 within <paramref name="timeout"/>; a missing binary or a hang is false.</summary>
    public static async Task<bool> RunAsync(string runtime, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(runtime)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {runtime}.");
        }
        catch (Win32Exception)
        {
            return false; // Not installed.
        }

        using (process)
        {
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            await Task.WhenAll(output, errors);
            return process.ExitCode == 0;
        }
    }
}
