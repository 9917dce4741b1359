namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// The settings' checks. Each throws an <see cref="ArgumentException"/> whose message is one line naming the setting by
/// its configuration key, so that the same line explains a bad value given in code or in configuration.
/// </summary>
internal static class Require
{
    public static void That(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }

    public static void InRange(int value, int minimum, int maximum, string key) =>
        That(value >= minimum && value <= maximum, $"{key} must be between {minimum} and {maximum}; it is {value}.");

    public static void Defined<T>(T value, string key) where T : struct, Enum =>
        That(Enum.IsDefined(value), $"{key} must be one of {string.Join(", ", Enum.GetNames<T>())}; it is {value}.");
}
