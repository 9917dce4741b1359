using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Aspire.Hosting;

/// <summary>
/// Dashboard commands that break a service on purpose: Kill process, Hang for 10 s, Fail 50% of requests and Clear
/// faults. They run <see cref="ServiceFaultInjector"/>, the same code as the testing kit's faults.
/// </summary>
public static class ServiceFaultCommands
{
    /// <summary>SIGKILLs the service binary.</summary>
    public const string KillProcess = "kill-process";

    /// <summary>Freezes the service for <see cref="HangDuration"/>.</summary>
    public const string Hang = "hang";

    /// <summary>Makes half of the service's requests answer 500.</summary>
    public const string FailHalfOfRequests = "fail-half-of-requests";

    /// <summary>Resumes the service and stops failing requests.</summary>
    public const string ClearFaults = "clear-faults";

    /// <summary>How long the Hang command freezes a service.</summary>
    public static readonly TimeSpan HangDuration = TimeSpan.FromSeconds(10);

    /// <summary>Adds the four fault commands to a service that uses the fault-injection hook of ServiceDefaults.</summary>
    /// <param name="service">A project that calls <c>AddFaultInjection</c> and <c>UseFaultInjection</c>.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<ProjectResource> WithFaultCommands(this IResourceBuilder<ProjectResource> service)
    {
        ArgumentNullException.ThrowIfNull(service);
        service.ApplicationBuilder.Services.AddHttpClient();
        service.ApplicationBuilder.Services.TryAddSingleton<ServiceFaultInjector>();
        var name = service.Resource.Name;

        service.WithCommand(KillProcess, "Kill process", async context =>
        {
            var injector = context.Services.GetRequiredService<ServiceFaultInjector>();
            var pid = injector.ProcessOf(name);
            await injector.KillAsync(name, context.CancellationToken);
            return CommandResults.Success($"Sent SIGKILL to {name} ({pid}); use Start to bring it back.");
        }, new CommandOptions
        {
            Description = "SIGKILL the service process, as a crash would. The gateway fails over to the other service.",
            ConfirmationMessage = $"Kill {name}'s process with SIGKILL? It stays down until you start it again.",
            IconName = "Flash",
            UpdateState = context => context.ResourceSnapshot.IsRunning() ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        service.WithCommand(Hang, "Hang for 10 s", async context =>
        {
            await context.Services.GetRequiredService<ServiceFaultInjector>().HangAsync(name, HangDuration, context.CancellationToken);
            return CommandResults.Success($"{name} is frozen (SIGSTOP) for {HangDuration.TotalSeconds:0} s.");
        }, new CommandOptions
        {
            Description = "Freeze the service process (SIGSTOP) for 10 s, then resume it (SIGCONT). Requests to it hang; the gateway hedges.",
            ConfirmationMessage = $"Freeze {name} for 10 seconds?",
            IconName = "PauseCircle",
            UpdateState = context => context.ResourceSnapshot.IsRunning() && !IsHung(context) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        service.WithCommand(FailHalfOfRequests, "Fail 50% of requests", async context =>
        {
            await context.Services.GetRequiredService<ServiceFaultInjector>().FailRequestsAsync(name, 0.5, 500, context.CancellationToken);
            return CommandResults.Success($"Half of {name}'s requests now answer 500, until Clear faults.");
        }, new CommandOptions
        {
            Description = "Make half of the service's requests answer 500 (a Polly chaos strategy inside the service), until Clear faults.",
            IconName = "ErrorCircle",
            UpdateState = context => context.ResourceSnapshot.IsRunning() && !IsHung(context) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        service.WithCommand(ClearFaults, "Clear faults", async context =>
        {
            await context.Services.GetRequiredService<ServiceFaultInjector>().ClearFaultsAsync(name, context.CancellationToken);
            return CommandResults.Success($"{name} runs without injected faults.");
        }, new CommandOptions
        {
            Description = "Resume a hung process and stop failing or delaying requests.",
            IconName = "ArrowReset",
            UpdateState = context => context.ResourceSnapshot.IsRunning() && (Has(context, ServiceFaultInjector.HangProperty) || Has(context, ServiceFaultInjector.RequestFaultsProperty))
                ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        return service;
    }

    private static bool IsHung(UpdateCommandStateContext context) => Has(context, ServiceFaultInjector.HangProperty);

    private static bool Has(UpdateCommandStateContext context, string property) =>
        context.ResourceSnapshot.Properties.Any(candidate => candidate.Name == property && candidate.Value is not null);
}
