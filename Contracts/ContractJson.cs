using System.Text.Json;

namespace Replication.Contracts;

/// <summary>How the contracts' JSON bodies are written and read on both sides: the web defaults (camelCase).</summary>
public static class ContractJson
{
    /// <summary>The serializer options both sides use.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
