namespace Replication.Gateway;

/// <summary>The gateway's settings, bound from the <c>Gateway</c> configuration section.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>The service every request goes to first.</summary>
    public string PrimaryService { get; set; } = "http://primaryservice";

    /// <summary>Request bodies are buffered up to this size (so they can be re-sent); larger ones get 413.</summary>
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How long one attempt at a service may take.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
