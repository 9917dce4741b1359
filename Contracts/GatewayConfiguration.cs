namespace Replication.Contracts;

/// <summary>
/// The AppHost's <c>Gateway</c> configuration section. <c>Port</c> is the AppHost's (the gateway's host port); every
/// other key is handed to the gateway process as an environment variable and bound to its options there.
/// </summary>
public static class GatewayConfiguration
{
    /// <summary>The section, in the AppHost's configuration and in the gateway's.</summary>
    public const string SectionName = "Gateway";

    /// <summary>The gateway's fixed host port in run mode; the AppHost's own key.</summary>
    public const string PortKey = "Port";

    /// <summary>The environment variable that carries <paramref name="key"/> of the section into the gateway process.</summary>
    /// <param name="key">A key of the section, e.g. <c>HedgingDelay</c>.</param>
    /// <returns><c>Gateway__HedgingDelay</c>.</returns>
    public static string EnvironmentVariable(string key) => $"{SectionName}__{key}";
}
