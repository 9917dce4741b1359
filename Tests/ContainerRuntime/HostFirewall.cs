namespace Replication.Tests.ContainerRuntime;

/// <summary>
/// The host's iptables FORWARD chain, changed for the length of a test and put back: the state a Docker engine that
/// ran before leaves behind (policy DROP, with br_netfilter passing bridged traffic through it), and the ACCEPT rules
/// <c>.ci/docker-engine.sh</c> adds for its own address pool. Needs root and iptables.
/// </summary>
internal static class HostFirewall
{
    private const string BridgeFilterSetting = "/proc/sys/net/bridge/bridge-nf-call-iptables";
    private const string EngineRuleComment = "replication-engine";

    /// <summary>Why the polluted state cannot be made here, or null when it can.</summary>
    public static string? UnavailableBecause() =>
        Posix.EffectiveUserId() != 0 ? "Changing the host's FORWARD policy needs root."
        : !Run(["-S", "FORWARD"]).Succeeded ? "iptables is not installed (or does not work) here."
        : !File.Exists(BridgeFilterSetting) ? "br_netfilter is not loaded here, so bridged traffic never meets the FORWARD chain."
        : null;

    public static string ForwardPolicy() =>
        ForwardRules().Single(rule => rule.StartsWith("-P FORWARD ", StringComparison.Ordinal))["-P FORWARD ".Length..].Trim();

    /// <summary>Sets FORWARD's policy to DROP and turns bridged filtering on, as a stopped Docker engine leaves them; disposing puts both back.</summary>
    public static IDisposable LikeAStoppedDockerEngine()
    {
        var policy = ForwardPolicy();
        var bridgeFilter = File.ReadAllText(BridgeFilterSetting).Trim();
        File.WriteAllText(BridgeFilterSetting, "1");
        Check(Run(["-P", "FORWARD", "DROP"]));
        return new Restore(() =>
        {
            Check(Run(["-P", "FORWARD", policy]));
            File.WriteAllText(BridgeFilterSetting, bridgeFilter);
        });
    }

    /// <summary>Removes the ACCEPT rules of the private engines (<c>.ci/docker-engine.sh</c>); disposing inserts them again. Empty when there are none.</summary>
    public static (int Removed, IDisposable Restore) WithoutTheEnginesRules()
    {
        var rules = ForwardRules().Where(rule => rule.StartsWith("-A FORWARD ", StringComparison.Ordinal) && rule.Contains(EngineRuleComment, StringComparison.Ordinal))
            .Select(Words).ToList();
        foreach (var rule in rules)
        {
            Check(Run(["-D", .. rule.Skip(1)]));
        }

        return (rules.Count, new Restore(() =>
        {
            foreach (var rule in rules)
            {
                Check(Run(["-I", "FORWARD", "1", .. rule.Skip(2)]));
            }
        }));
    }

    private static string[] ForwardRules() =>
        Check(Run(["-S", "FORWARD"])).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A rule as iptables -S prints it, split into arguments (a quoted comment stays one).</summary>
    private static List<string> Words(string rule)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var character in rule)
        {
            if (character == '"')
            {
                quoted = !quoted;
            }
            else if (character == ' ' && !quoted)
            {
                if (word.Length > 0)
                {
                    words.Add(word.ToString());
                    word.Clear();
                }
            }
            else
            {
                word.Append(character);
            }
        }

        if (word.Length > 0)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static CommandResult Run(IReadOnlyList<string> arguments) => CommandRunner.Run("iptables", ["-w", .. arguments], TimeSpan.FromSeconds(30));

    private static CommandResult Check(CommandResult result) =>
        result.Succeeded ? result : throw new InvalidOperationException($"iptables failed: {result.Describe()}");

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
