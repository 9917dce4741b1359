using System.Collections.Immutable;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Edits a snapshot's dashboard properties.</summary>
internal static class ResourcePropertyExtensions
{
    /// <summary>
    /// Sets or replaces one property; a null value removes it. The property is highlighted: the dashboard hides
    /// properties it does not know unless they are.
    /// </summary>
    public static ImmutableArray<ResourcePropertySnapshot> With(this ImmutableArray<ResourcePropertySnapshot> properties, string name, object? value)
    {
        var without = properties.RemoveAll(property => property.Name == name);
        return value is null ? without : without.Add(new ResourcePropertySnapshot(name, value) { IsHighlighted = true });
    }
}
