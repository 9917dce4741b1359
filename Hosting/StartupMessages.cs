using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>
/// Messages decided while the model is built but written once the app starts, when logging exists; and the one
/// readable way to refuse to start: a single line and exit code 1, instead of a stack trace.
/// </summary>
internal static class StartupMessages
{
    /// <summary>The log category of the replica set's messages.</summary>
    public const string ReplicaSetCategory = "Aspire.Hosting.PostgresReplicaSet";

    public static void Log(IDistributedApplicationBuilder builder, string category, LogLevel level, string message) =>
        builder.Eventing.Subscribe<BeforeStartEvent>((startEvent, _) =>
        {
            startEvent.Services.GetRequiredService<ILoggerFactory>().CreateLogger(category).Log(level, "{Message}", message);
            return Task.CompletedTask;
        });

    /// <summary>Stops the AppHost before anything starts, with <paramref name="message"/> as its one line.</summary>
    public static void FailAtStart(IDistributedApplicationBuilder builder, string category, string message)
    {
        Log(builder, category, LogLevel.Critical, message);
        builder.Eventing.Subscribe<BeforeStartEvent>((startEvent, _) =>
        {
            Stop(startEvent.Services);
            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// Runs <paramref name="step"/> when the app starts. A step that throws stops the AppHost with one line, "<paramref
    /// name="what"/> failed: …", and exit code 1: what goes wrong at start is the machine's state (a directory, a user),
    /// which a stack trace does not explain.
    /// </summary>
    public static void OnStart(IDistributedApplicationBuilder builder, string category, string what, Func<IServiceProvider, CancellationToken, Task> step) =>
        builder.Eventing.Subscribe<BeforeStartEvent>(async (startEvent, cancellationToken) =>
        {
            try
            {
                await step(startEvent.Services, cancellationToken);
            }
            catch (Exception exception)
            {
                startEvent.Services.GetRequiredService<ILoggerFactory>().CreateLogger(category)
                    .LogCritical("{What} failed: {Reason}", what, exception.Message);
                Stop(startEvent.Services);
            }
        });

    private static void Stop(IServiceProvider services)
    {
        Environment.ExitCode = 1;
        services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
    }
}
