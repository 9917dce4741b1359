namespace Replication.Contracts;

/// <summary>The graph's own meters, which ServiceDefaults exports next to the framework's.</summary>
public static class MeterNames
{
    /// <summary>The gateway's responses, hedges, backup answers and circuit states.</summary>
    public const string Gateway = "Replication.Gateway";
}
