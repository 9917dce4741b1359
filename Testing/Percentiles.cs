namespace Replication.Testing;

public static class Percentiles
{
    /// <summary>The nearest-rank quantile (0.5 = median, 0.99 = p99) of <paramref name="values"/>; zero when empty.</summary>
    public static TimeSpan Of(IEnumerable<TimeSpan> values, double quantile)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? TimeSpan.Zero : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
