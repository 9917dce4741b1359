namespace Aspire.Hosting.ApplicationModel;

/// <summary>Appends several values to an executable's or container's argument list at once.</summary>
internal static class CommandLineArguments
{
    public static void Append(this IList<object> arguments, params IEnumerable<object> values)
    {
        foreach (var value in values)
        {
            arguments.Add(value);
        }
    }
}
