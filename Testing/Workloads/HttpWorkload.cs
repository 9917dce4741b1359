namespace Replication.Testing;

/// <summary>
/// What an app does, for the kit's load probe and histories: one read and one write of the app's own HTTP API, and an
/// independent final read that says which writes are stored. Derive one for your app (the kit knows no domain).
/// </summary>
/// <example>
/// <code>
/// sealed class OrdersWorkload(HttpClient api, Func&lt;string, CancellationToken, Task&lt;IReadOnlyCollection&lt;string&gt;&gt;&gt; stored) : HttpWorkload(api)
/// {
///     public override HttpRequestMessage CreateRead() =&gt; new(HttpMethod.Get, "/orders?limit=5");
///     public override HttpRequestMessage CreateWrite(string key, bool idempotencyKey) =&gt;
///         new(HttpMethod.Post, "/orders") { Content = JsonContent.Create(new { reference = key }) };
///     public override Task&lt;IReadOnlyCollection&lt;string&gt;&gt; StoredKeysAsync(string prefix, CancellationToken cancellationToken) =&gt; stored(prefix, cancellationToken);
/// }
/// </code>
/// </example>
public abstract class HttpWorkload(HttpClient client)
{
    /// <summary>The client the requests go through (e.g. to the app's gateway).</summary>
    public HttpClient Client { get; } = client ?? throw new ArgumentNullException(nameof(client));

    /// <summary>What the backend that answers first by design says it is, in <see cref="ServedBy"/>; null when the app has no such pair.</summary>
    public virtual string? Primary => null;

    /// <summary>What the backend that takes over says it is, in <see cref="ServedBy"/>; null when the app has no such pair.</summary>
    public virtual string? Backup => null;

    /// <summary>A read of the app's data.</summary>
    public abstract HttpRequestMessage CreateRead();

    /// <summary>
    /// A write that stores one value identified by <paramref name="key"/> (unique per write, letters, digits and dashes),
    /// so that the final read can find it. With <paramref name="idempotencyKey"/>, the request carries the key so that a
    /// retry of it writes once (e.g. an <c>Idempotency-Key</c> header).
    /// </summary>
    public abstract HttpRequestMessage CreateWrite(string key, bool idempotencyKey);

    /// <summary>
    /// Whether a response acknowledges the write it answers: by default a 2xx. A 2xx whose body the app's client could
    /// not use is no acknowledgement; check it here, and throw <see cref="System.Text.Json.JsonException"/> when it does not parse.
    /// </summary>
    public virtual Task<bool> AcknowledgesAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Task.FromResult(response.IsSuccessStatusCode);
    }

    /// <summary>Which backend answered, e.g. from a response header; null when the app does not say.</summary>
    public virtual string? ServedBy(HttpResponseMessage response) => null;

    /// <summary>Which database node served a read, e.g. from a response header; null when the app does not say.</summary>
    public virtual string? ReadFrom(HttpResponseMessage response) => null;

    /// <summary>
    /// The final read, straight from the database and not through the app under test: every key that starts with
    /// <paramref name="prefix"/> and is stored now.
    /// </summary>
    public abstract Task<IReadOnlyCollection<string>> StoredKeysAsync(string prefix, CancellationToken cancellationToken);
}
