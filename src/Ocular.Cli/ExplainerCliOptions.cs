using System.CommandLine;
using Ocular.Explain;

namespace Ocular.Cli;

/// <summary>
/// The command-line options that configure explainers (<see cref="ExplainerOptions"/>), shared by every command
/// that creates explainers from <see cref="ExplainerRegistry"/> (<c>ocular explain</c>, <c>ocular evaluate</c>).
/// </summary>
internal sealed class ExplainerCliOptions
{
    /// <summary>Creates the options.</summary>
    /// <param name="methodsName">The methods option's name (<c>--method</c> for explain, <c>--methods</c> for evaluate).</param>
    /// <param name="methodsRequired">Whether a method must be named (evaluate may score only <c>--maps</c>).</param>
    /// <param name="defaultBatchSize">The default of <c>--batch-size</c>.</param>
    /// <param name="seedDescription">What <c>--seed</c> seeds in this command.</param>
    public ExplainerCliOptions(string methodsName = "--method", bool methodsRequired = true, int defaultBatchSize = 16, string seedDescription = "seed of the random draws (RISE's masks, the random baseline)")
    {
        Methods = new(methodsName) { Description = $"method name(s), comma-separated: {string.Join(", ", ExplainerRegistry.Names)}", Required = methodsRequired };
        BatchSize = new("--batch-size") { Description = "images per batch, and masked copies per network call (Score-CAM, Ablation-CAM, RISE, metrics)", DefaultValueFactory = _ => defaultBatchSize };
        Seed = new("--seed") { Description = seedDescription, DefaultValueFactory = _ => 0 };
    }

    public Option<string?> Methods { get; }
    public Option<string?> Layers { get; } = new("--layer") { Description = "layer path(s) to explain at, comma-separated, maps averaged (default: the architecture's, e.g. layer4, features.29)" };
    public Option<int> BatchSize { get; }
    public Option<string?> Score { get; } = new("--score") { Description = "class score: logit | probability (default: logit for the CAM family, probability for RISE)" };
    public Option<string> ScoreCamWeights { get; } = new("--score-cam-weights") { Description = "Score-CAM channel weights: softmax (the paper) | probability (the L-CAM baseline)", DefaultValueFactory = _ => "softmax" };
    public Option<string> Upsample { get; } = new("--upsample")
    {
        Description = "Score-CAM's mask upsampling: half-pixel (Ocular, the Score-CAM authors) | align-corners (pytorch-grad-cam's ScoreCAM); other methods give the same maps either way",
        DefaultValueFactory = _ => "half-pixel",
    };
    public Option<bool> AugSmooth { get; } = new("--aug-smooth") { Description = "test-time augmentation smoothing (flip × intensity 0.9/1/1.1, averaged)" };
    public Option<bool> EigenSign { get; } = new("--eigen-sign-correction") { Description = "Eigen-CAM: negate maps whose negative part dominates" };
    public Option<ulong> Seed { get; }
    public Option<int> RiseMasks { get; } = new("--rise-masks") { Description = "RISE: number of masks N", DefaultValueFactory = _ => 4000 };
    public Option<int> RiseGrid { get; } = new("--rise-grid") { Description = "RISE: grid size s (s × s cells)", DefaultValueFactory = _ => 7 };
    public Option<double> RiseKeep { get; } = new("--rise-p1") { Description = "RISE: probability p1 that a cell is kept", DefaultValueFactory = _ => 0.5 };
    public Option<string?> Checkpoint { get; } = new("--explainer") { Description = "a learned explainer's checkpoint (e.g. RUN_DIR/best.ocular), for every learned method named without its own :FILE" };

    /// <summary>
    /// <c>--precision</c>, default auto: Score-CAM and RISE in bfloat16 where the processor
    /// computes it natively, every other method in float32 (docs/precision.md).
    /// </summary>
    public PrecisionOption Precision { get; } = new(Ocular.Torch.Precision.Auto,
        "bf16 for Score-CAM, RISE and the metrics' scoring where the processor computes it natively, fp32 for the rest");

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Methods, Layers, BatchSize, Score, ScoreCamWeights, Upsample, AugSmooth, EigenSign, Seed, RiseMasks, RiseGrid, RiseKeep, Checkpoint, Precision.Option })
            command.Options.Add(o);
    }

    /// <summary>
    /// The methods given (registry-checked, duplicates removed, in order). Each entry is <c>NAME</c>,
    /// <c>NAME:FILE</c> (a learned explainer with its checkpoint) or <c>LABEL=NAME[:FILE]</c> (the label
    /// names it in outputs and tables, e.g. to tell two L-CAM checkpoints apart).
    /// </summary>
    public IReadOnlyList<MethodChoice> ReadMethods(ParseResult parse)
    {
        var entries = Split(parse.GetValue(Methods));
        if (entries is null)
            return Methods.Required ? throw new ArgumentException($"{Methods.Name}: name at least one method") : [];
        var defaultCheckpoint = parse.GetValue(Checkpoint);
        return [.. entries.Select(e => MethodChoice.Parse(e, defaultCheckpoint)).DistinctBy(c => c.Label)];
    }

    /// <summary>The explainer options given (validated).</summary>
    public ExplainerOptions Read(ParseResult parse)
    {
        var options = new ExplainerOptions
        {
            Layers = Split(parse.GetValue(Layers)),
            BatchSize = parse.GetValue(BatchSize),
            Score = parse.GetValue(Score) switch
            {
                null => null,
                "logit" => ClassScore.Logit,
                "probability" => ClassScore.Probability,
                var s => throw new ArgumentException($"unknown --score '{s}': expected logit or probability"),
            },
            ScoreCamWeighting = parse.GetValue(ScoreCamWeights) switch
            {
                "softmax" => ScoreCamWeighting.ChannelSoftmax,
                "probability" => ScoreCamWeighting.ClassProbability,
                var s => throw new ArgumentException($"unknown --score-cam-weights '{s}': expected softmax or probability"),
            },
            Upsampling = ParseUpsampling(parse.GetValue(Upsample)!),
            AugSmooth = parse.GetValue(AugSmooth),
            EigenSignCorrection = parse.GetValue(EigenSign),
            Seed = parse.GetValue(Seed),
            RiseMasks = parse.GetValue(RiseMasks),
            RiseGridSize = parse.GetValue(RiseGrid),
            RiseKeepProbability = parse.GetValue(RiseKeep),
            Checkpoint = parse.GetValue(Checkpoint),
            Precision = Precision.ReadRequested(parse),
        };
        options.Validate();
        return options;
    }

    /// <summary>The value of <c>--upsample</c>: <c>half-pixel</c> or <c>align-corners</c>.</summary>
    public static Upsampling ParseUpsampling(string value) => value switch
    {
        "half-pixel" => Upsampling.HalfPixel,
        "align-corners" => Upsampling.AlignCorners,
        _ => throw new ArgumentException($"unknown --upsample '{value}': expected half-pixel or align-corners"),
    };

    /// <summary>
    /// A note when <c>--upsample</c> is not the default and some of <paramref name="methods"/> do not depend on it
    /// (they accept it, so one command can run several methods, but a user should not believe their maps changed);
    /// null when there is nothing to say.
    /// </summary>
    public static string? UpsampleNote(IReadOnlyList<MethodChoice> methods, ExplainerOptions options)
    {
        if (options.Upsampling == Upsampling.HalfPixel) return null;
        var unaffected = methods.Where(m => !m.Info.UsesUpsampling).Select(m => m.Label).ToList();
        if (unaffected.Count == 0) return null;
        var affected = ExplainerRegistry.Explainers.Where(e => e.UsesUpsampling).Select(e => e.Name);
        return $"--upsample align-corners changes only {string.Join(", ", affected)}; {string.Join(", ", unaffected)} "
             + $"{(unaffected.Count == 1 ? "gives" : "give")} the same maps with either value (every final map is resized with half-pixel centres, as pytorch-grad-cam's cv2.resize does)";
    }

    /// <summary>A comma-separated list, trimmed, without empty entries; null when empty.</summary>
    public static string[]? Split(string? list)
    {
        var parts = list?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: > 0 } ? parts : null;
    }
}

/// <summary>A method named on the command line: the registered explainer, its checkpoint (learned methods) and its label.</summary>
/// <param name="Info">The registered method.</param>
/// <param name="Checkpoint">The explainer checkpoint given with it (<c>NAME:FILE</c>) or by <c>--explainer</c>; null for post-hoc methods.</param>
/// <param name="Label">The name in files and tables.</param>
internal sealed record MethodChoice(ExplainerInfo Info, string? Checkpoint, string Label)
{
    /// <summary>Creates the explainer for <paramref name="model"/> with <paramref name="options"/> and this choice's checkpoint.</summary>
    public IExplainer Create(Ocular.Vision.Models.Classifier model, ExplainerOptions options) =>
        Info.Create(model, Checkpoint is null ? options : options with { Checkpoint = Checkpoint });

    /// <summary>Parses <c>[LABEL=]NAME[:FILE]</c>; a learned method without <c>:FILE</c> takes <paramref name="defaultCheckpoint"/>.</summary>
    /// <exception cref="UnknownExplainerException">NAME is not registered.</exception>
    public static MethodChoice Parse(string entry, string? defaultCheckpoint)
    {
        string? label = null;
        var eq = entry.IndexOf('=');
        if (eq >= 0)
        {
            label = entry[..eq].Trim();
            entry = entry[(eq + 1)..].Trim();
            if (label.Length == 0) throw new ArgumentException($"'{entry}': the label before '=' is empty");
        }
        var colon = entry.IndexOf(':');
        var name = colon >= 0 ? entry[..colon].Trim() : entry;
        var file = colon >= 0 ? entry[(colon + 1)..].Trim() : null;
        if (file is { Length: 0 }) throw new ArgumentException($"'{entry}': no checkpoint file after ':'");
        var info = ExplainerRegistry.Find(name);
        if (file is not null && info.Kind != "learned")
            throw new ArgumentException($"'{entry}': {info.Name} is not a learned method and takes no checkpoint");
        var checkpoint = file ?? (info.Kind == "learned" ? defaultCheckpoint : null);
        label ??= file is null ? info.Name : $"{info.Name}-{CheckpointStem(file)}";
        return new MethodChoice(info, checkpoint, label);
    }

    // RUN_DIR/best.ocular reads as the run directory's name; any other file as its own name.
    private static string CheckpointStem(string file)
    {
        var stem = Path.GetFileNameWithoutExtension(file);
        var dir = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file)));
        return stem is "best" or "last" && !string.IsNullOrEmpty(dir) ? dir : stem;
    }
}
