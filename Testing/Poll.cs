namespace Replication.Testing;

/// <summary>The kit's one polling loop: ask until the answer is yes, or the time is up.</summary>
public static class Poll
{
    /// <summary>Calls <paramref name="condition"/> every <paramref name="interval"/> until it is true; false when <paramref name="timeout"/> runs out.</summary>
    public static async Task<bool> UntilAsync(
        Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, TimeSpan interval, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition(cancellationToken))
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(interval, cancellationToken);
        }
    }

    /// <summary>As <see cref="UntilAsync"/>, but throws a <see cref="TimeoutException"/> naming <paramref name="what"/>.</summary>
    public static async Task UntilOrThrowAsync(
        Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, TimeSpan interval, string what, CancellationToken cancellationToken = default)
    {
        if (!await UntilAsync(condition, timeout, interval, cancellationToken))
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:F0} s waiting for {what}.");
        }
    }
}
