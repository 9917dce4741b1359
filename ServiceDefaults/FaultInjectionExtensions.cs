using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Simmy;
using Polly.Simmy.Latency;
using Polly.Simmy.Outcomes;
using Replication.Contracts;

namespace Replication.ServiceDefaults;

/// <summary>
/// Fault injection for the testing kit and the dashboard: Polly chaos strategies around every request,
/// switched at run time through <c>/_faults</c>. The hook exists only in Development or when
/// <c>FaultInjection:Enabled</c> is true, and never in Production.
/// </summary>
public static class FaultInjectionExtensions
{
    public const string EnabledKey = "FaultInjection:Enabled";

    public static bool IsFaultInjectionEnabled(this IHostApplicationBuilder builder) =>
        !builder.Environment.IsProduction()
        && (builder.Environment.IsDevelopment() || builder.Configuration.GetValue<bool>(EnabledKey));

    public static TBuilder AddFaultInjection<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (builder.IsFaultInjectionEnabled())
        {
            builder.Services.AddSingleton<FaultInjectionState>();
        }

        return builder;
    }

    /// <summary>Adds the chaos middleware and the hook, when <see cref="AddFaultInjection"/> enabled them.</summary>
    public static WebApplication UseFaultInjection(this WebApplication app)
    {
        if (app.Services.GetService<FaultInjectionState>() is not { } state)
        {
            return app;
        }

        var chaos = BuildChaosPipeline(state, app.Services.GetRequiredService<TimeProvider>());
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Replication.FaultInjection");
        app.Use(async (context, next) =>
        {
            if (IsExempt(context.Request.Path))
            {
                await next(context);
                return;
            }

            var injectedStatus = await chaos.ExecuteAsync(
                static async (request, _) =>
                {
                    await request.next(request.context);
                    return (int?)null;
                },
                (next, context),
                context.RequestAborted);

            if (injectedStatus is { } status && !context.Response.HasStarted)
            {
                context.Response.StatusCode = status;
                await Results.Problem(statusCode: status, title: "Injected fault", detail: "The fault-injection hook made this request fail.")
                    .ExecuteAsync(context);
            }
        });

        var hook = app.MapGroup(ServicePaths.FaultHook);
        hook.MapGet("", () => state.Current);
        hook.MapPut("", (FaultHookRequest request) =>
        {
            if (request.ErrorRate is < 0 or > 1 || request.ErrorStatus is < 400 or > 599 || request.LatencyMilliseconds < 0)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid fault settings",
                    detail: "errorRate must be 0..1, errorStatus 400..599, latencyMilliseconds ≥ 0.");
            }

            var settings = FaultSettings.From(request, TimeProvider.System.GetUtcNow());
            state.Set(settings);
            logger.LogWarning("Fault injection set: {Settings}", settings);
            return Results.Ok(settings);
        });
        hook.MapDelete("", () =>
        {
            state.Clear();
            logger.LogWarning("Fault injection cleared");
            return Results.NoContent();
        });

        return app;
    }

    private static bool IsExempt(PathString path) =>
        path.StartsWithSegments(ServicePaths.FaultHook) || path.StartsWithSegments(ServicePaths.Health) || path.StartsWithSegments(ServicePaths.Alive);

    private static ResiliencePipeline<int?> BuildChaosPipeline(FaultInjectionState state, TimeProvider time) =>
        new ResiliencePipelineBuilder<int?> { TimeProvider = time }
            .AddChaosLatency(new ChaosLatencyStrategyOptions
            {
                InjectionRate = 1,
                EnabledGenerator = _ => ValueTask.FromResult(state.Current.Latency > TimeSpan.Zero && state.Current.IsActive(time.GetUtcNow())),
                LatencyGenerator = _ => ValueTask.FromResult(state.Current.Latency),
            })
            .AddChaosOutcome(new ChaosOutcomeStrategyOptions<int?>
            {
                EnabledGenerator = _ => ValueTask.FromResult(state.Current.ErrorRate > 0 && state.Current.IsActive(time.GetUtcNow())),
                InjectionRateGenerator = _ => ValueTask.FromResult(state.Current.ErrorRate),
                OutcomeGenerator = _ => ValueTask.FromResult<Outcome<int?>?>(Outcome.FromResult<int?>(state.Current.ErrorStatus)),
            })
            .Build();
}
