using Hivetrain.Averaging;

namespace Hivetrain.Efficacy;

/// <summary>
/// One condition of the comparison. For <see cref="EfficacyConditionKind.Network"/>: the delta <see cref="Encoding"/>
/// (a <see cref="Artifacts.DeltaEncoding.Parse"/> string), whether λ is learned (else uniform 1/K), whether deltas
/// are clipped to the median norm, the outer step (η, μ), and the chance <see cref="Churn"/> that a miner misses a round.
/// DiLoCo is the network with uniform weights, no clip and its published outer step; <see cref="EfficacyConditionKind.SparseLoCo"/>
/// sends <see cref="Encoding"/> from its error buffers. <see cref="Guard"/>: whether a merged step must beat the base on
/// the guard sample (the averager's <c>GuardedStep</c>) to be published. <see cref="SweptOuterStep"/>: the outer step is
/// not given but chosen by <see cref="OuterStepSweep"/> on the guard split before the run (<see cref="WithOuterStep"/>).
/// <see cref="OuterStepOf"/>: the outer step is the one the sweep chose for the condition with that id, which the run
/// must hold (<c>diloco-swept-guard</c> runs DiLoCo's best step with the guard, at no extra sweep).
/// </summary>
public sealed record EfficacyCondition(
    string Id,
    string Label,
    EfficacyConditionKind Kind,
    string? Encoding = null,
    bool LearnLambda = true,
    bool ClipToMedian = true,
    double OuterLearningRate = 1.0,
    double OuterMomentum = 0.0,
    double Churn = 0,
    bool Guard = true,
    bool SweptOuterStep = false,
    string? OuterStepOf = null)
{
    /// <summary>
    /// The network's merge under <paramref name="options"/>: the averager's, with λ learned only when <see cref="LearnLambda"/>,
    /// this condition's clip and outer step, <c>--downlink</c>, <c>--sender_mean</c>, and the guard sample evaluated as the
    /// harness evaluates.
    /// </summary>
    public MergeOptions MergeOptions(EfficacyOptions options) => new(
        MergeSteps: LearnLambda ? options.MergeSteps : 0, options.MergeLearningRate, ClipToMedian, OuterLearningRate, OuterMomentum,
        options.Downlink, GuardBatchRows: EfficacySetup.EvaluationBatchRows, SenderMean: options.SenderMean);

    /// <summary>
    /// What the goals compare it as: a network merge with learned λ is ours (without the outer step when η = 1, μ = 0),
    /// with uniform λ it is DiLoCo's merge; B1–B4 are references.
    /// </summary>
    public EfficacyMethod Method => Kind switch
    {
        EfficacyConditionKind.SparseLoCo => EfficacyMethod.SparseLoCo,
        EfficacyConditionKind.Network when !LearnLambda => EfficacyMethod.DiLoCo,
        EfficacyConditionKind.Network when OuterLearningRate == 1 && OuterMomentum == 0 => EfficacyMethod.NetworkLambdaOnly,
        EfficacyConditionKind.Network => EfficacyMethod.Network,
        _ => EfficacyMethod.Reference,
    };

    /// <summary>Whether a merge of it must beat the base on a guard sample to be published (a merge with <see cref="Guard"/>, and guard windows to judge on).</summary>
    public bool Guarded(EfficacyOptions options) =>
        Kind is EfficacyConditionKind.Network or EfficacyConditionKind.SparseLoCo && Guard && options.GuardRows > 0;

    /// <summary>Whether its participants exchange anything (bytes are counted).</summary>
    public bool Communicates => Kind is EfficacyConditionKind.Synchronous or EfficacyConditionKind.PlainAverage or EfficacyConditionKind.Network
        or EfficacyConditionKind.SparseLoCo;

    /// <summary>DiLoCo's published outer step (Douillard et al. 2023): Nesterov with η = 0.7, μ = 0.9.</summary>
    public const double DiLoCoOuterLearningRate = 0.7, DiLoCoOuterMomentum = 0.9;

    /// <summary>
    /// The standard set for <paramref name="options"/>: B1–B4, the network with learned λ, with λ and the outer step, each
    /// compressed encoding, churn, and the field's baselines: DiLoCo (dense) and SparseLoCo, each with the guard off and on.
    /// </summary>
    public static IReadOnlyList<EfficacyCondition> Standard(EfficacyOptions options)
    {
        double eta = options.OuterLearningRate, mu = options.OuterMomentum;
        var dense = options.DenseEncoding;
        var list = new List<EfficacyCondition>
        {
            new("B1", "B1 one miner alone", EfficacyConditionKind.Alone),
            new("B2", "B2 synchronous data-parallel", EfficacyConditionKind.Synchronous),
            new("B3", "B3 centralized", EfficacyConditionKind.Centralized),
            new("B4", "B4 plain averaging", EfficacyConditionKind.PlainAverage),
            new($"net-lambda-{dense}", $"network λ {dense}", EfficacyConditionKind.Network, dense, OuterLearningRate: 1, OuterMomentum: 0),
            new($"net-outer-{dense}", $"network λ+outer {dense}", EfficacyConditionKind.Network, dense, OuterLearningRate: eta, OuterMomentum: mu),
            new($"net-outer-{dense}-swept", $"network λ+outer {dense}{SweptSuffix}", EfficacyConditionKind.Network, dense, OuterLearningRate: eta, OuterMomentum: mu)
                { SweptOuterStep = true },
        };
        foreach (var encoding in options.CompressedEncodings)
            list.Add(new($"net-outer-{encoding}", $"network λ+outer {encoding}", EfficacyConditionKind.Network, encoding, OuterLearningRate: eta, OuterMomentum: mu));
        if (options.Churn > 0)
            list.Add(new($"net-outer-{dense}-churn", $"network λ+outer {dense}, churn {options.Churn:0.##}", EfficacyConditionKind.Network, dense,
                OuterLearningRate: eta, OuterMomentum: mu, Churn: options.Churn));
        list.AddRange(Baselines(dense));
        return list;
    }

    /// <summary>
    /// DiLoCo (uniform mean of the K pseudo-gradients in <paramref name="dense"/>, no λ, no clip, outer Nesterov η = 0.7,
    /// μ = 0.9) without and with the guard, DiLoCo with the outer step of <see cref="OuterStepSweep"/> without and with the
    /// guard (the sweep runs guard off, as DiLoCo does; with the guard it is ours without the learned λ and the clip, at
    /// DiLoCo's best step: the comparison at equal guard), and SparseLoCo (templar's density and decay) without and with
    /// the guard.
    /// </summary>
    public static IEnumerable<EfficacyCondition> Baselines(string dense) =>
    [
        DiLoCo("diloco", $"DiLoCo {dense}", dense, guard: false),
        DiLoCo("diloco-guard", $"DiLoCo {dense} + guard", dense, guard: true),
        DiLoCo("diloco-swept", $"DiLoCo {dense}{SweptSuffix}", dense, guard: false) with { SweptOuterStep = true },
        DiLoCo("diloco-swept-guard", $"DiLoCo {dense} + guard{SweptSuffix}", dense, guard: true) with { OuterStepOf = "diloco-swept" },
        new("sparseloco", $"SparseLoCo {SparseLoCoCondition.Encoding}", EfficacyConditionKind.SparseLoCo, SparseLoCoCondition.Encoding, Guard: false),
        new("sparseloco-guard", $"SparseLoCo {SparseLoCoCondition.Encoding} + guard", EfficacyConditionKind.SparseLoCo, SparseLoCoCondition.Encoding),
    ];

    /// <summary>DiLoCo's merge in <paramref name="dense"/>: uniform λ, no clip, outer Nesterov (η, μ), by default its published one.</summary>
    internal static EfficacyCondition DiLoCo(string id, string label, string dense, bool guard,
        double outerLearningRate = DiLoCoOuterLearningRate, double outerMomentum = DiLoCoOuterMomentum) =>
        new(id, label, EfficacyConditionKind.Network, dense, LearnLambda: false, ClipToMedian: false,
            OuterLearningRate: outerLearningRate, OuterMomentum: outerMomentum, Guard: guard);

    /// <summary>
    /// Whether a run of this condition is a run of <paramref name="other"/>: everything that decides what they compute is
    /// the same (the id, the label and whether the outer step was swept name it; nothing a condition draws depends on them).
    /// </summary>
    public bool SameRunAs(EfficacyCondition other) =>
        this with { Id = other.Id, Label = other.Label, SweptOuterStep = other.SweptOuterStep, OuterStepOf = other.OuterStepOf } == other;

    /// <summary>This condition with the outer step the sweep chose, named in its label (so the table shows it).</summary>
    public EfficacyCondition WithOuterStep(OuterStepTrial chosen) => this with
    {
        OuterLearningRate = chosen.OuterLearningRate,
        OuterMomentum = chosen.OuterMomentum,
        Label = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{BaseLabel}, swept: outer lr {chosen.OuterLearningRate:G3}, momentum {chosen.OuterMomentum:G3}"),
    };

    /// <summary>How a swept condition's label ends before the sweep has chosen.</summary>
    public const string SweptSuffix = ", outer step swept";

    /// <summary>The label without <see cref="SweptSuffix"/>: what the condition is, whatever its outer step.</summary>
    public string BaseLabel => Label.EndsWith(SweptSuffix, StringComparison.Ordinal) ? Label[..^SweptSuffix.Length] : Label;

    /// <summary>
    /// Ours with the outer step chosen on the guard split (<c>net-outer-ENC-swept</c>): how our defaults η, μ are checked
    /// against the rule DiLoCo's sweep follows; run by id only, as it costs a sweep.
    /// </summary>
    public bool IsOursSwept => SweptOuterStep && Method == EfficacyMethod.Network;

    /// <summary>
    /// An ablation: a part of ours taken out or a stress put on it (learned λ without the outer step, churn). The
    /// comparison's goals judge none of them, so a run has them only when asked (<c>--ablations</c>, or by id).
    /// </summary>
    public bool IsAblation => Method == EfficacyMethod.NetworkLambdaOnly || Churn > 0;

    /// <summary>
    /// What a run compares when no condition is named: <see cref="Standard"/>, without the ablations unless
    /// <paramref name="ablations"/>, and without DiLoCo's published step under the guard (<c>diloco-guard</c>, by id):
    /// the guard refuses or shrinks most of that step's rounds (at skew 1 its first six, and it ended 12% above DiLoCo
    /// without it), so the guarded DiLoCo a run compares is the one at its best step, <c>diloco-swept-guard</c>, in the
    /// same time.
    /// </summary>
    public static IReadOnlyList<EfficacyCondition> Default(EfficacyOptions options, bool ablations) =>
        Standard(options).Where(c => (ablations || !c.IsAblation) && !c.IsOursSwept && c.Id != "diloco-guard").ToList();

    /// <summary>Throws <see cref="ArgumentException"/> when a condition of <paramref name="conditions"/> takes the outer step of one the list lacks.</summary>
    public static void RequireOuterStepSources(IReadOnlyList<EfficacyCondition> conditions)
    {
        foreach (var c in conditions)
            if (c.OuterStepOf is { } of && !conditions.Any(s => s.Id == of && s.SweptOuterStep))
                throw new ArgumentException($"--conditions: {c.Id} runs at the outer step the sweep chooses for {of}: name {of} too");
    }

    /// <summary>
    /// The conditions of <paramref name="all"/> named in <paramref name="ids"/>, in the standard order; throws
    /// <see cref="ArgumentException"/> naming an id that is not among them (and the ids that are).
    /// </summary>
    public static IReadOnlyList<EfficacyCondition> Select(IReadOnlyList<EfficacyCondition> all, IReadOnlyCollection<string> ids)
    {
        foreach (var id in ids)
            if (!all.Any(c => c.Id == id))
                throw new ArgumentException($"--conditions: no condition '{id}' (this run has {string.Join(", ", all.Select(c => c.Id))})");
        return all.Where(c => ids.Contains(c.Id)).ToList();
    }
}
