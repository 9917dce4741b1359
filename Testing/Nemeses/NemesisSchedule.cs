using System.Globalization;

namespace Replication.Testing;

/// <summary>
/// Nemeses composed in time, as Jepsen's generators do: start, hold, stop, repair, in the order written, or drawn at
/// random from a seed. Every step is logged in the history and the test output.
/// <code>
/// var freeze = new FreezeStandbys();
/// var kill = new KillPrimary();
/// await new NemesisSchedule()
///     .Start(freeze).Hold(TimeSpan.FromSeconds(8))
///     .Start(kill).Stop(freeze).Stop(kill)
///     .Repair()
///     .RunAsync(context, cancellationToken);
/// </code>
/// </summary>
public sealed class NemesisSchedule
{
    private readonly IEnumerable<Step> steps;
    private readonly List<Step> written = [];

    public NemesisSchedule()
    {
        steps = written;
    }

    private NemesisSchedule(IEnumerable<Step> steps, string description)
    {
        this.steps = steps;
        Description = description;
    }

    /// <summary>How the schedule was made (for a random one, its seed), to replay it.</summary>
    public string Description { get; } = "written";

    public NemesisSchedule Start(Nemesis nemesis) => Add(new Step(StepKind.Start, nemesis, TimeSpan.Zero));

    public NemesisSchedule Stop(Nemesis nemesis) => Add(new Step(StepKind.Stop, nemesis, TimeSpan.Zero));

    /// <summary>Lets the faults in force (or the recovery) run for <paramref name="duration"/>, while the workload goes on.</summary>
    public NemesisSchedule Hold(TimeSpan duration) => Add(new Step(StepKind.Hold, null, duration));

    /// <summary>Waits for something the scenario needs before the next step (e.g. a promotion), logged as <paramref name="description"/>.</summary>
    public NemesisSchedule Then(string description, Func<NemesisContext, CancellationToken, Task> action) =>
        Add(new Step(StepKind.Then, null, TimeSpan.Zero, description, action));

    /// <summary>Brings the graph back to full strength (<see cref="GraphRepair"/>).</summary>
    public NemesisSchedule Repair() => Add(new Step(StepKind.Repair, null, TimeSpan.Zero));

    /// <summary>
    /// An endless schedule drawn from <paramref name="seed"/>: in each round one nemesis, started, held for 1 to 5 s,
    /// stopped, the graph repaired, then 1 to 3 s of calm. The nemeses come in cycles, each cycle every one of
    /// <paramref name="nemeses"/> once in a shuffled order, so a run of a few cycles meets them all. The same seed draws
    /// the same rounds. Run it with a time limit.
    /// </summary>
    public static NemesisSchedule Random(int seed, IReadOnlyList<Nemesis> nemeses)
    {
        ArgumentOutOfRangeException.ThrowIfZero(nemeses.Count);
        return new NemesisSchedule(Draw(seed, nemeses), string.Create(CultureInfo.InvariantCulture,
            $"random, seed {seed}, over [{string.Join(", ", nemeses.Select(n => n.Name))}]"));
    }

    /// <summary>
    /// Runs the steps. With <paramref name="timeLimit"/>, no fault is started once it has passed: the faults in force are
    /// stopped and the graph repaired instead.
    /// </summary>
    public async Task RunAsync(NemesisContext context, CancellationToken cancellationToken, TimeSpan? timeLimit = null)
    {
        context.Log($"schedule: {Description}");
        var started = new List<Nemesis>();
        var deadline = context.History.Elapsed + (timeLimit ?? TimeSpan.MaxValue / 2);
        foreach (var step in steps)
        {
            if (context.History.Elapsed >= deadline && step.Kind is StepKind.Start or StepKind.Hold)
            {
                foreach (var nemesis in started)
                {
                    await nemesis.StopAsync(context, cancellationToken);
                }

                await RepairAsync(context, cancellationToken);
                context.Log("schedule: time limit reached");
                return;
            }

            switch (step.Kind)
            {
                case StepKind.Start:
                    context.Log(step.ToString());
                    await step.Nemesis!.StartAsync(context, cancellationToken);
                    started.Add(step.Nemesis);
                    break;
                case StepKind.Stop:
                    context.Log(step.ToString());
                    await step.Nemesis!.StopAsync(context, cancellationToken);
                    started.Remove(step.Nemesis);
                    break;
                case StepKind.Hold:
                    context.Log(step.ToString());
                    await Task.Delay(step.Duration, cancellationToken);
                    break;
                case StepKind.Then:
                    context.Log(step.ToString());
                    await step.Action!(context, cancellationToken);
                    break;
                default:
                    await RepairAsync(context, cancellationToken);
                    break;
            }
        }
    }

    /// <summary>The first <paramref name="count"/> steps, as they are logged: to print or compare a schedule before it runs.</summary>
    public IReadOnlyList<string> Preview(int count) => [.. steps.Take(count).Select(step => step.ToString())];

    public override string ToString() => Description;

    private static async Task RepairAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        context.Log("repair");
        await GraphRepair.RestoreAsync(context.Graph, context.Log, cancellationToken);
        context.Log("repaired: full strength");
    }

    private static IEnumerable<Step> Draw(int seed, IReadOnlyList<Nemesis> nemeses)
    {
        var random = new System.Random(seed);
        while (true)
        {
            var cycle = nemeses.ToArray();
            random.Shuffle(cycle);
            foreach (var nemesis in cycle)
            {
                yield return new Step(StepKind.Start, nemesis, TimeSpan.Zero);
                yield return new Step(StepKind.Hold, null, TimeSpan.FromMilliseconds(random.Next(1_000, 5_000)));
                yield return new Step(StepKind.Stop, nemesis, TimeSpan.Zero);
                yield return new Step(StepKind.Repair, null, TimeSpan.Zero);
                yield return new Step(StepKind.Hold, null, TimeSpan.FromMilliseconds(random.Next(1_000, 3_000)));
            }
        }
    }

    private NemesisSchedule Add(Step step)
    {
        written.Add(step);
        return this;
    }

    private enum StepKind
    {
        Start,
        Stop,
        Hold,
        Repair,
        Then,
    }

    private sealed record Step(
        StepKind Kind, Nemesis? Nemesis, TimeSpan Duration, string? Description = null, Func<NemesisContext, CancellationToken, Task>? Action = null)
    {
        public override string ToString() => Kind switch
        {
            StepKind.Start => $"start: {Nemesis!.Name}",
            StepKind.Stop => $"stop: {Nemesis!.Name}",
            StepKind.Hold => string.Create(CultureInfo.InvariantCulture, $"hold {Duration.TotalSeconds:F1} s"),
            StepKind.Then => $"then: {Description}",
            _ => "repair",
        };
    }
}
