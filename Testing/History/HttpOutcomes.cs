namespace Replication.Testing;

/// <summary>What an HTTP answer to a write tells the client about whether the write happened.</summary>
public static class HttpOutcomes
{
    /// <summary>
    /// 2xx: <see cref="OperationOutcome.Ok"/>. 4xx: <see cref="OperationOutcome.Fail"/>, because by the API's contract a
    /// 4xx writes nothing (bad input, a conflict, a 429 shed before it was forwarded). Anything else is
    /// <see cref="OperationOutcome.Unknown"/>: a 5xx may come after the commit (a 503 after a cancelled replication wait,
    /// a proxy's 502 or 504 after the service wrote), and so may a timeout or a dropped connection.
    /// </summary>
    public static OperationOutcome Of(HttpStatusCode? status) => (int?)status switch
    {
        >= 200 and < 300 => OperationOutcome.Ok,
        >= 400 and < 500 => OperationOutcome.Fail,
        _ => OperationOutcome.Unknown,
    };
}
