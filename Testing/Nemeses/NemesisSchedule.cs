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
    private readonly List<string> started = [];

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
    /// A schedule drawn from <paramref name="seed"/>, in <paramref name="cycles"/> cycles: each cycle starts every one of
    /// <paramref name="nemeses"/> once, in a shuffled order; each round is one nemesis started, held for 1 to 5 s,
    /// stopped, the graph repaired, then 1 to 3 s of calm. Counted, not timed, so every nemesis starts on a slow machine
    /// too (<see cref="Started"/> says which did). The same seed draws the same rounds.
    /// </summary>
    public static NemesisSchedule Random(int seed, IReadOnlyList<Nemesis> nemeses, int cycles = 1)
    {
        ArgumentNullException.ThrowIfNull(nemeses);
        ArgumentOutOfRangeException.ThrowIfZero(nemeses.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(cycles, 1);
        return new NemesisSchedule(Draw(seed, nemeses, cycles), string.Create(CultureInfo.InvariantCulture,
            $"random, seed {seed}, {cycles} cycle{(cycles == 1 ? "" : "s")} over [{string.Join(", ", nemeses.Select(n => n.Name))}]"));
    }

    /// <summary>How many cycles a long run asks for in <c>REPLICATION_NEMESIS_CYCLES</c> (a positive number), or <paramref name="otherwise"/>.</summary>
    public static int CyclesFromEnvironment(int otherwise = 1) =>
        int.TryParse(Environment.GetEnvironmentVariable("REPLICATION_NEMESIS_CYCLES"), NumberStyles.None, CultureInfo.InvariantCulture, out var cycles) && cycles > 0
            ? cycles
            : otherwise;

    /// <summary>The seed a run replays from <c>REPLICATION_NEMESIS_SEED</c>, or <paramref name="otherwise"/>.</summary>
    public static int SeedFromEnvironment(int otherwise) =>
        int.TryParse(Environment.GetEnvironmentVariable("REPLICATION_NEMESIS_SEED"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : otherwise;

    /// <summary>The nemeses the last run started, in order, by name: what a scenario asserts its schedule covered.</summary>
    public IReadOnlyList<string> Started => started;

    /// <summary>Runs the steps, in order.</summary>
    public async Task RunAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Log($"schedule: {Description}");
        started.Clear();
        foreach (var step in steps)
        {
            switch (step.Kind)
            {
                case StepKind.Start:
                    context.Log(step.ToString());
                    await step.Nemesis!.StartAsync(context, cancellationToken).ConfigureAwait(false);
                    started.Add(step.Nemesis.Name);
                    break;
                case StepKind.Stop:
                    context.Log(step.ToString());
                    await step.Nemesis!.StopAsync(context, cancellationToken).ConfigureAwait(false);
                    break;
                case StepKind.Hold:
                    context.Log(step.ToString());
                    await Task.Delay(step.Duration, cancellationToken).ConfigureAwait(false);
                    break;
                case StepKind.Then:
                    context.Log(step.ToString());
                    await step.Action!(context, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await RepairAsync(context, cancellationToken).ConfigureAwait(false);
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
        await GraphRepair.RestoreAsync(context.Graph, context.Log, cancellationToken).ConfigureAwait(false);
        context.Log("repaired: full strength");
    }

    private static IEnumerable<Step> Draw(int seed, IReadOnlyList<Nemesis> nemeses, int cycles)
    {
        var random = new System.Random(seed);
        for (var cycle = 0; cycle < cycles; cycle++)
        {
            var order = nemeses.ToArray();
            random.Shuffle(order);
            foreach (var nemesis in order)
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
