namespace Replication.Tests.Template;

/// <summary>
/// Fast checks that template.json keeps up with the repository: a project added to the solution brings GUIDs
/// that the template must replace, or two generated solutions would share them.
/// </summary>
public sealed class TemplateSourceTests
{
    [Fact]
    public void EverySolutionGuidAndUserSecretsIdIsReplacedByTheTemplate()
    {
        var root = TemplateSource.RepositoryRoot();
        var replaced = TemplateSource.ReplacedGuids(root);

        var missing = TemplateSource.SolutionGuids(root)
            .Concat(TemplateSource.UserSecretsIds(root).Select(id => id.ToUpperInvariant()))
            .Except(replaced)
            .ToList();

        Assert.True(missing.Count == 0, $"Add these to \"guids\" in .template.config/template.json: {string.Join(", ", missing)}");
    }
}
