using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Replication.Tests.Benchmarks;

/// <summary>
/// Whether a benchmark report's figures can be true, read from its JSON alone, so that it holds for every section the
/// benchmark writes, today's and those added later. By column name: a throughput (<c>req/s</c>, <c>tps</c>,
/// <c>writes/s</c>) is positive; latencies of one measurement are in order, p50 ≤ p99 ≤ max; no count or time is negative;
/// failed ≤ requests and lost + errored ≤ acknowledged; a <c>total</c> row is the sum of the others; a column
/// <c>a − b</c> is column a minus column b.
/// </summary>
internal static partial class BenchmarkPlausibility
{
    private static readonly string[] LatencyOrder = ["p50", "p99", "max"];

    /// <summary>Every implausible figure of one section of the report, described; empty when all can be true.</summary>
    public static IReadOnlyList<string> ProblemsIn(JsonElement section)
    {
        var name = section.GetProperty("section").GetString();
        var columns = section.GetProperty("columns").EnumerateArray().Select(column => column.GetString()!).ToList();
        var rows = section.GetProperty("rows").EnumerateArray().Select(row => row.EnumerateArray().Select(cell => cell.GetString()!).ToList()).ToList();
        var problems = new List<string>();
        if (section.GetProperty("error").GetString() is { } error)
        {
            problems.Add($"{name} failed: {error}");
        }

        if (rows.Count == 0)
        {
            problems.Add($"{name} has no rows");
        }

        foreach (var row in rows)
        {
            if (row.Count != columns.Count)
            {
                problems.Add($"{name}: row [{string.Join(", ", row)}] has {row.Count} cells for {columns.Count} columns");
                continue;
            }

            var table = new Row(columns, row);
            problems.AddRange(table.Problems().Select(problem => $"{name}, row \"{row[0]}\": {problem}"));
        }

        problems.AddRange(TotalsProblems(columns, rows).Select(problem => $"{name}: {problem}"));
        problems.AddRange(columns.Where(IsThroughput).Where(column => rows.All(row => Number(row[columns.IndexOf(column)]) is null))
            .Select(column => $"{name}: no throughput was measured in \"{column}\""));
        return problems;
    }

    private static IEnumerable<string> TotalsProblems(List<string> columns, List<List<string>> rows)
    {
        var total = rows.FirstOrDefault(row => row[0] == "total");
        if (total is null)
        {
            yield break;
        }

        var parts = rows.Where(row => row != total && row.Count == columns.Count).ToList();
        // The sum of the maxima is not the maximum of the sum; everything else adds up, to the rounding of each cell.
        foreach (var (column, index) in columns.Select((column, index) => (column, index)).Skip(1).Where(pair => LatencyToken(pair.column) is null))
        {
            if (Number(total[index]) is { } sum && parts.All(part => Number(part[index]) is not null))
            {
                var added = parts.Sum(part => Number(part[index])!.Value);
                var tolerance = (parts.Count + 1) * HalfStep(total[index]);
                if (Math.Abs(added - sum) > tolerance)
                {
                    yield return $"the total of \"{column}\" is {sum}, but its parts add up to {added:F1}";
                }
            }
        }
    }

    private static bool IsThroughput(string column) => !IsRatioOrDifference(column) && ThroughputColumn().IsMatch(column);

    private static bool IsRatioOrDifference(string column) => column.Contains('÷') || column.Contains('−') || column.Contains(" vs ", StringComparison.Ordinal);

    /// <summary>p50, p99 or max when the column is one of a latency's percentiles (not a ratio, a difference or a byte count).</summary>
    private static string? LatencyToken(string column) =>
        IsRatioOrDifference(column) || column.Contains("bytes", StringComparison.Ordinal)
            ? null
            : column.Split(' ').FirstOrDefault(word => LatencyOrder.Contains(word));

    /// <summary>A cell as a number: "4242.4", "12", "0.59×"; null for "-" or text.</summary>
    private static double? Number(string cell) =>
        double.TryParse(cell.TrimEnd('×'), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>Half the last digit a cell was rounded to: 0.05 for "12.3", 0.5 for "12".</summary>
    private static double HalfStep(string cell) =>
        cell.IndexOf('.', StringComparison.Ordinal) is var dot and >= 0 ? 0.5 * Math.Pow(10, -(cell.Length - dot - 1)) : 0.5;

    [GeneratedRegex(@"(req/s|writes/s|\btps\b)")]
    private static partial Regex ThroughputColumn();

    private sealed class Row(List<string> columns, List<string> cells)
    {
        public IEnumerable<string> Problems()
        {
            foreach (var (column, cell) in columns.Zip(cells).Skip(1))
            {
                if (Number(cell) is not { } value)
                {
                    continue;
                }

                if (!double.IsFinite(value))
                {
                    yield return $"\"{column}\" is {cell}";
                }
                else if (IsThroughput(column) && value <= 0)
                {
                    yield return $"throughput \"{column}\" is {cell}";
                }
                else if (value < 0 && !column.Contains('−'))
                {
                    yield return $"\"{column}\" is negative: {cell}";
                }
            }

            foreach (var problem in LatencyProblems().Concat(CountProblems()).Concat(DifferenceProblems()))
            {
                yield return problem;
            }
        }

        private double? Value(string column) => columns.IndexOf(column) is var index and >= 0 ? Number(cells[index]) : null;

        /// <summary>Columns that differ only in p50/p99/max are one latency, e.g. "replay_lag p50 ms" and "replay_lag max ms".</summary>
        private IEnumerable<string> LatencyProblems()
        {
            var latencies = columns.Where(column => LatencyToken(column) is not null)
                .GroupBy(column => string.Join(' ', column.Split(' ').Where(word => !LatencyOrder.Contains(word))));
            foreach (var latency in latencies)
            {
                var ordered = latency.OrderBy(column => Array.IndexOf(LatencyOrder, LatencyToken(column)))
                    .Select(column => (Column: column, Value: Value(column))).Where(pair => pair.Value is not null).ToList();
                foreach (var (lower, higher) in ordered.Zip(ordered.Skip(1)))
                {
                    if (lower.Value > higher.Value)
                    {
                        yield return $"\"{lower.Column}\" {lower.Value} is above \"{higher.Column}\" {higher.Value}";
                    }
                }
            }
        }

        private IEnumerable<string> CountProblems()
        {
            if (Value("failed") is { } failed && Value("requests") is { } requests && failed > requests)
            {
                yield return $"{failed} of {requests} requests failed";
            }

            if (Value("acknowledged") is { } acknowledged && (Value("lost") ?? 0) + (Value("errored") ?? 0) > acknowledged)
            {
                yield return $"lost {Value("lost")} and errored {Value("errored")} of {acknowledged} acknowledged writes";
            }
        }

        /// <summary>"end − start" is end minus start, to the rounding of the three cells.</summary>
        private IEnumerable<string> DifferenceProblems()
        {
            foreach (var column in columns.Where(column => column.Contains(" − ", StringComparison.Ordinal)))
            {
                var operands = column.Split(" − ");
                if (operands.Length == 2 && Value(column) is { } difference && Value(operands[0]) is { } minuend && Value(operands[1]) is { } subtrahend)
                {
                    var tolerance = 3 * HalfStep(cells[columns.IndexOf(column)]);
                    if (Math.Abs(minuend - subtrahend - difference) > tolerance)
                    {
                        yield return $"\"{column}\" is {difference}, but {operands[0]} − {operands[1]} is {minuend - subtrahend:F2}";
                    }
                }
            }
        }
    }
}
