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

    /// <summary>
    /// Whether a write's answer replays the first answer to its idempotency key (the write had happened already), e.g.
    /// from an <c>Idempotent-Replayed</c> header; null when the app does not say.
    /// </summary>
    public virtual bool? Replayed(HttpResponseMessage response) => null;

    /// <summary>
    /// Whether a write can be read back (<see cref="LocationOf"/>, <see cref="CreateReadOf"/>, <see cref="ReadKeyAsync"/>):
    /// the kit's session checks read each client's writes back. False by default.
    /// </summary>
    public virtual bool CanReadBack => false;

    /// <summary>Where a write's acknowledgement says its value can be read back: by default its <c>Location</c> header.</summary>
    public virtual Uri? LocationOf(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.Headers.Location;
    }

    /// <summary>
    /// The session token a write's acknowledgement carries, which a later read sends back to see that write (e.g. a WAL
    /// position); null when the app has none.
    /// </summary>
    public virtual string? SessionToken(HttpResponseMessage response) => null;

    /// <summary>A read of the value at <paramref name="location"/>, carrying <paramref name="sessionToken"/> when not null.</summary>
    public virtual HttpRequestMessage CreateReadOf(Uri location, string? sessionToken) => new(HttpMethod.Get, location);

    /// <summary>The key a 2xx read of one value returned (the kit takes a 404 as "nothing there"); throw <see cref="System.Text.Json.JsonException"/> when it does not parse.</summary>
    public virtual Task<string?> ReadKeyAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} does not read a write back: override CanReadBack and ReadKeyAsync.");

    /// <summary>Which database node served a read, e.g. from a response header; null when the app does not say.</summary>
    public virtual string? ReadFrom(HttpResponseMessage response) => null;

    /// <summary>
    /// The final read, straight from the database and not through the app under test: every key that starts with
    /// <paramref name="prefix"/> and is stored now.
    /// </summary>
    public abstract Task<IReadOnlyCollection<string>> StoredKeysAsync(string prefix, CancellationToken cancellationToken);
}
