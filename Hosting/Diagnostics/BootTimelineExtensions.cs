using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>Prints how the app booted, resource by resource.</summary>
public static class BootTimelineExtensions
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Once every resource is ready (healthy, or finished for a helper), logs a table of when each was created, started,
    /// running and healthy, counted from the AppHost process's start, and what each waited for: where the boot's time
    /// goes. In run mode only.
    /// </summary>
    /// <param name="builder">The AppHost's builder.</param>
    /// <returns>The same builder.</returns>
    public static IDistributedApplicationBuilder AddBootTimeline(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.ExecutionContext.IsRunMode)
        {
            return builder;
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((startEvent, cancellationToken) =>
        {
            var services = startEvent.Services;
            var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            using var process = Process.GetCurrentProcess();
            var timeline = BootTimeline.Watch(services.GetRequiredService<DistributedApplicationModel>(),
                services.GetRequiredService<ResourceNotificationService>(), process.StartTime.ToUniversalTime(), stopping);
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Aspire.Hosting.BootTimeline");
            _ = LogWhenReadyAsync(timeline, logger, stopping);
            return Task.CompletedTask;
        });
        return builder;
    }

    private static async Task LogWhenReadyAsync(BootTimeline timeline, ILogger logger, CancellationToken stopping)
    {
        var deadline = DateTime.UtcNow + GiveUpAfter;
        try
        {
            while (timeline.AllReady is null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (timeline.AllReady is { } ready)
        {
            logger.LogInformation("Every resource was ready {Seconds:F2} s after the AppHost started:\n{Table}", ready.TotalSeconds, timeline.Table());
        }
        else
        {
            logger.LogWarning("Not every resource was ready {Minutes:F0} minutes after the AppHost started:\n{Table}", GiveUpAfter.TotalMinutes, timeline.Table());
        }
    }
}
