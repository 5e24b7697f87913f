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
    public Option<bool> AugSmooth { get; } = new("--aug-smooth") { Description = "test-time augmentation smoothing (flip × intensity 0.9/1/1.1, averaged)" };
    public Option<bool> EigenSign { get; } = new("--eigen-sign-correction") { Description = "Eigen-CAM: negate maps whose negative part dominates" };
    public Option<ulong> Seed { get; }
    public Option<int> RiseMasks { get; } = new("--rise-masks") { Description = "RISE: number of masks N", DefaultValueFactory = _ => 4000 };
    public Option<int> RiseGrid { get; } = new("--rise-grid") { Description = "RISE: grid size s (s × s cells)", DefaultValueFactory = _ => 7 };
    public Option<double> RiseKeep { get; } = new("--rise-p1") { Description = "RISE: probability p1 that a cell is kept", DefaultValueFactory = _ => 0.5 };
    public Option<string?> Checkpoint { get; } = new("--explainer-checkpoint") { Description = "a learned explainer's checkpoint" };

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Methods, Layers, BatchSize, Score, ScoreCamWeights, AugSmooth, EigenSign, Seed, RiseMasks, RiseGrid, RiseKeep, Checkpoint })
            command.Options.Add(o);
    }

    /// <summary>The method names given (registry-checked, duplicates removed, in order).</summary>
    public IReadOnlyList<ExplainerInfo> ReadMethods(ParseResult parse)
    {
        var names = Split(parse.GetValue(Methods));
        if (names is null)
            return Methods.Required ? throw new ArgumentException($"{Methods.Name}: name at least one method") : [];
        return [.. names.Select(ExplainerRegistry.Find).DistinctBy(i => i.Name)];
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
            AugSmooth = parse.GetValue(AugSmooth),
            EigenSignCorrection = parse.GetValue(EigenSign),
            Seed = parse.GetValue(Seed),
            RiseMasks = parse.GetValue(RiseMasks),
            RiseGridSize = parse.GetValue(RiseGrid),
            RiseKeepProbability = parse.GetValue(RiseKeep),
            Checkpoint = parse.GetValue(Checkpoint),
        };
        options.Validate();
        return options;
    }

    /// <summary>A comma-separated list, trimmed, without empty entries; null when empty.</summary>
    public static string[]? Split(string? list)
    {
        var parts = list?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: > 0 } ? parts : null;
    }
}
