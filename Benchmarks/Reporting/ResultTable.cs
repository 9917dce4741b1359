using System.Text;

namespace Replication.Benchmarks.Reporting;

/// <summary>One section's figures: a markdown table with notes, and the same rows in the JSON output.</summary>
public sealed class ResultTable(string section, string title, params string[] columns)
{
    /// <summary>Stable key of the section in the JSON output.</summary>
    public string Section { get; } = section;

    public string Title { get; } = title;

    public IReadOnlyList<string> Columns { get; } = columns;

    public List<IReadOnlyList<string>> Rows { get; } = [];

    public List<string> Notes { get; } = [];

    public string? Error { get; set; }

    /// <summary>True when at least one row carries a measured figure (not only "-" placeholders).</summary>
    public bool HasFigures => Error is null && Rows.Any(row => row.Skip(1).Any(cell => cell.Any(char.IsDigit)));

    public void Add(params object?[] cells) => Rows.Add([.. cells.Select(Format)]);

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"### {Title}").AppendLine();
        text.AppendLine("| " + string.Join(" | ", Columns) + " |");
        text.AppendLine("|" + string.Join("|", Columns.Select((_, index) => index == 0 ? "---" : "---:")) + "|");
        foreach (var row in Rows)
        {
            text.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        if (Error is not null)
        {
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Section failed: {Error}");
        }

        foreach (var note in Notes)
        {
            text.AppendLine().Append("- ").AppendLine(note);
        }

        return text.ToString();
    }

    public static string Milliseconds(TimeSpan? value) =>
        value is null ? "-" : value.Value.TotalMilliseconds.ToString(value.Value.TotalMilliseconds < 10 ? "F2" : "F0", CultureInfo.InvariantCulture);

    public static string Seconds(TimeSpan? value) =>
        value is null ? "-" : value.Value.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);

    public static string Ratio(double value) => double.IsFinite(value) ? value.ToString("F2", CultureInfo.InvariantCulture) + "×" : "-";

    private static string Format(object? cell) => cell switch
    {
        null => "-",
        double number => number.ToString("F1", CultureInfo.InvariantCulture),
        TimeSpan span => Milliseconds(span),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => cell.ToString() ?? "-",
    };
}
