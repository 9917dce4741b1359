namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The role the services connect as, whoever creates it (the supervisor's bootstrapper or Patroni's post_bootstrap):
/// it owns the databases and may do nothing else.
/// </summary>
internal static class ApplicationRole
{
    public const string Attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS";

    /// <summary>
    /// A service process that froze mid-transaction (SIGSTOP, a long GC pause, a dead VM) would otherwise hold its row
    /// locks for ever, and a retry of the same write on the other service would wait behind them. Postgres ends
    /// such a transaction after a second of silence, and bounds every statement.
    /// </summary>
    public static IReadOnlyList<(string Name, string Value)> SessionSettings { get; } =
    [
        ("idle_in_transaction_session_timeout", "1s"),
        ("statement_timeout", "5s"),
    ];
}
