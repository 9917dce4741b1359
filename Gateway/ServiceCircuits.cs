using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Replication.Gateway;

/// <summary>
/// The strategy below hedging: each attempt runs through its own service's pipeline (circuit breaker, attempt
/// timeout), chosen by the service the attempt is addressed to. Both pipelines are built once; choosing one is a
/// comparison of host names, not a registry lookup.
/// </summary>
internal sealed class ServiceCircuits(
    string backupService, ResiliencePipeline<HttpResponseMessage> primary, ResiliencePipeline<HttpResponseMessage> backup)
    : ResilienceStrategy<HttpResponseMessage>
{
    protected override ValueTask<Outcome<HttpResponseMessage>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback, ResilienceContext context, TState state)
    {
        var service = context.GetRequestMessage()?.RequestUri?.Host;
        var pipeline = string.Equals(service, backupService, StringComparison.OrdinalIgnoreCase) ? backup : primary;
        return pipeline.ExecuteOutcomeAsync(callback, context, state);
    }

    public sealed class Options : ResilienceStrategyOptions
    {
        public Options() => Name = "service-circuits";
    }
}
