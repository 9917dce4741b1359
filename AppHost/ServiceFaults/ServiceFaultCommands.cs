using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Replication.AppHost;

/// <summary>
/// Dashboard commands that break a service on purpose, beyond the integration's Kill, Freeze and Resume: Hang for 10 s,
/// Fail 50% of requests and Clear faults. They run <see cref="RequestFaultInjector"/> and the Freeze and Resume
/// commands, the same code as this app's tests.
/// </summary>
public static class ServiceFaultCommands
{
    /// <summary>Freezes the service for <see cref="HangDuration"/>, then resumes it.</summary>
    public const string Hang = "hang";

    /// <summary>Makes half of the service's requests answer 500.</summary>
    public const string FailHalfOfRequests = "fail-half-of-requests";

    /// <summary>Resumes the service and stops failing or delaying its requests.</summary>
    public const string ClearFaults = "clear-faults";

    /// <summary>How long the Hang command freezes a service.</summary>
    public static readonly TimeSpan HangDuration = TimeSpan.FromSeconds(10);

    /// <summary>Adds Kill process, Freeze and Resume, and the service-specific faults, to a service that uses ServiceDefaults' fault hook.</summary>
    /// <param name="service">A project that calls <c>AddFaultInjection</c> and <c>UseFaultInjection</c>.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<ProjectResource> WithServiceFaultCommands(this IResourceBuilder<ProjectResource> service)
    {
        ArgumentNullException.ThrowIfNull(service);
        service.ApplicationBuilder.Services.AddHttpClient();
        service.ApplicationBuilder.Services.TryAddSingleton<RequestFaultInjector>();
        var name = service.Resource.Name;
        service.WithFaultCommands();

        service.WithCommand(Hang, "Hang for 10 s", async context =>
        {
            var commands = context.Services.GetRequiredService<ResourceCommandService>();
            var frozen = await commands.ExecuteCommandAsync(name, ResourceFaultCommands.Freeze, context.CancellationToken);
            if (!frozen.Success)
            {
                return frozen;
            }

            _ = Task.Delay(HangDuration).ContinueWith(_ => commands.ExecuteCommandAsync(name, ResourceFaultCommands.Resume), TaskScheduler.Default);
            return CommandResults.Success($"{name} is frozen for {HangDuration.TotalSeconds:0} s.");
        }, new CommandOptions
        {
            Description = "Freeze the service for 10 s, then resume it. Requests to it hang; the gateway hedges.",
            ConfirmationMessage = $"Freeze {name} for 10 seconds?",
            IconName = "PauseCircle",
            UpdateState = context => context.ResourceSnapshot.IsRunning() && !IsFrozen(context) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        service.WithCommand(FailHalfOfRequests, "Fail 50% of requests", async context =>
        {
            await context.Services.GetRequiredService<RequestFaultInjector>().FailRequestsAsync(name, 0.5, 500, context.CancellationToken);
            return CommandResults.Success($"Half of {name}'s requests now answer 500, until Clear faults.");
        }, new CommandOptions
        {
            Description = "Make half of the service's requests answer 500 (a Polly chaos strategy inside the service), until Clear faults.",
            IconName = "ErrorCircle",
            UpdateState = context => context.ResourceSnapshot.IsRunning() && !IsFrozen(context) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        service.WithCommand(ClearFaults, "Clear faults", async context =>
        {
            if (IsFrozen(context.Services, name))
            {
                await context.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(name, ResourceFaultCommands.Resume, context.CancellationToken);
            }

            await context.Services.GetRequiredService<RequestFaultInjector>().ClearAsync(name, context.CancellationToken);
            return CommandResults.Success($"{name} runs without injected faults.");
        }, new CommandOptions
        {
            Description = "Resume a frozen service and stop failing or delaying its requests.",
            IconName = "ArrowReset",
            UpdateState = context => context.ResourceSnapshot.IsRunning()
                                     && (IsFrozen(context) || context.ResourceSnapshot.PropertyValue(RequestFaultInjector.RequestFaultsProperty) is not null)
                ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

        return service;
    }

    private static bool IsFrozen(UpdateCommandStateContext context) => context.ResourceSnapshot.PropertyValue(ResourceFaultCommands.FrozenProperty) is not null;

    private static bool IsFrozen(IServiceProvider services, string name) =>
        services.GetRequiredService<ResourceNotificationService>().TryGetCurrentState(name, out var state)
        && state.Snapshot.PropertyValue(ResourceFaultCommands.FrozenProperty) is not null;
}
