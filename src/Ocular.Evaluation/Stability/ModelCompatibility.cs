using System.Globalization;
using System.Text.Json.Nodes;
using Ocular.Vision.Models.Attention;

namespace Ocular.Evaluation.Stability;

/// <summary>
/// What makes the models of a stability study comparable (reference lfi-cam.md §5.3: several models of one method
/// on one data set, trained with different hyper-parameters): the same classes, the same input (size, resize,
/// channels, normalisation), the same kind of map (an LFI-CAM model is not compared with an ABN model), and the same
/// training data where the checkpoints record it. Hyper-parameters may differ: that is the point of the study.
/// </summary>
public static class ModelCompatibility
{
    /// <summary>The zoo prefix of LFI-CAM classifiers (<c>lficam_&lt;backbone&gt;</c>) and the explainer that reads their map.</summary>
    public static readonly (string Prefix, string Method) LfiCam = (AttentionArchitectures.LfiCamPrefix, Vision.Models.Attention.LfiCam.MethodName);

    /// <summary>The zoo prefix of ABN classifiers (<c>abn_&lt;backbone&gt;</c>) and the explainer that reads their map.</summary>
    public static readonly (string Prefix, string Method) Abn = (AttentionArchitectures.AbnPrefix, Vision.Models.Attention.Abn.MethodName);

    /// <summary>The explainer that reads the map built into <paramref name="architecture"/> (<c>lfi-cam</c>, <c>abn</c>), or null for a plain classifier.</summary>
    public static string? BuiltInMethod(string architecture) =>
        architecture.StartsWith(LfiCam.Prefix, StringComparison.Ordinal) ? LfiCam.Method
        : architecture.StartsWith(Abn.Prefix, StringComparison.Ordinal) ? Abn.Method
        : null;

    /// <summary>
    /// The method to compare: <paramref name="requested"/> when given, else the models' built-in map
    /// (<c>lfi-cam</c> for <c>lficam_*</c>, <c>abn</c> for <c>abn_*</c>).
    /// </summary>
    /// <exception cref="ArgumentException">No method was named and the models have no built-in map.</exception>
    public static string Method(IReadOnlyList<StudyModel> models, string? requested)
    {
        if (!string.IsNullOrWhiteSpace(requested)) return requested.Trim();
        return BuiltInMethod(models[0].Metadata.Architecture)
            ?? throw new ArgumentException($"name the method to compare (--method, e.g. grad-cam): {models[0].Label} is {models[0].Metadata.Architecture}, " +
                                           $"which has no built-in map (only {LfiCam.Prefix}* and {Abn.Prefix}* models default to {LfiCam.Method} and {Abn.Method})");
    }

    /// <summary>
    /// Checks that the models can be compared with <paramref name="method"/>; returns warnings (a model that does not
    /// record its training data, an option about the data that only one model records).
    /// </summary>
    /// <exception cref="IncompatibleModelsException">Two models differ in what must be equal; the message names both and the difference.</exception>
    /// <exception cref="ArgumentException">Fewer than two models, or a built-in-map method on a model without that map.</exception>
    public static IReadOnlyList<string> Check(IReadOnlyList<StudyModel> models, string method)
    {
        if (models.Count < 2) throw new ArgumentException($"a stability study compares at least 2 models, got {models.Count}");
        var first = models[0];
        foreach (var other in models.Skip(1))
        {
            Require(first, other, "kind of built-in map", Family(first), Family(other));
            Require(first, other, "number of classes", Text(first.Metadata.NumClasses), Text(other.Metadata.NumClasses));
            Require(first, other, "class names", Names(first.Metadata.ClassNames), Names(other.Metadata.ClassNames));
            Require(first, other, "input channels", Text(first.Metadata.InChannels), Text(other.Metadata.InChannels));
            Require(first, other, "input size", Text(first.Metadata.InputSize), Text(other.Metadata.InputSize));
            Require(first, other, "resize size", Text(first.Metadata.ResizeSize), Text(other.Metadata.ResizeSize));
            Require(first, other, "normalisation mean", Numbers(first.Metadata.Mean), Numbers(other.Metadata.Mean));
            Require(first, other, "normalisation std", Numbers(first.Metadata.Std), Numbers(other.Metadata.Std));
        }
        var key = Key(method);
        foreach (var m in models)
        {
            var builtIn = BuiltInMethod(m.Metadata.Architecture);
            if ((key == Key(LfiCam.Method) || key == Key(Abn.Method)) && (builtIn is null || Key(builtIn) != key))
                throw new ArgumentException($"{method} reads the map built into {(key == Key(LfiCam.Method) ? LfiCam.Prefix : Abn.Prefix)}* models, but {m.Label} ({m.Path}) is {m.Metadata.Architecture}");
        }
        return TrainingData(models);
    }

    // The training data: compared where recorded (training.options.data, and any option about the split or a
    // validation carve-out), a warning where a model records none.
    private static List<string> TrainingData(IReadOnlyList<StudyModel> models)
    {
        var warnings = new List<string>();
        var recorded = new List<(StudyModel Model, JsonObject Options)>();
        foreach (var m in models)
        {
            if (m.Metadata.Training?["options"] is JsonObject options && options["data"] is JsonValue) recorded.Add((m, options));
            else warnings.Add($"{m.Label} ({m.Path}) records no training data set (no training.options.data in its metadata): it cannot be checked against the other models'");
        }
        for (var i = 1; i < recorded.Count; i++)
        {
            var (a, b) = (recorded[0], recorded[i]);
            foreach (var name in a.Options.Select(p => p.Key).Where(IsDataOption))
            {
                if (!b.Options.ContainsKey(name))
                {
                    warnings.Add($"{a.Model.Label} records the training option '{name}' but {b.Model.Label} does not: that part of their training data cannot be compared");
                    continue;
                }
                Require(a.Model, b.Model, $"training data ({name})", a.Options[name]?.ToJsonString() ?? "null", b.Options[name]?.ToJsonString() ?? "null");
            }
        }
        return warnings;
    }

    private static bool IsDataOption(string name) =>
        name == "data" || name.Contains("split", StringComparison.OrdinalIgnoreCase) || name.Contains("validation", StringComparison.OrdinalIgnoreCase);

    private static void Require(StudyModel a, StudyModel b, string what, string valueA, string valueB)
    {
        if (valueA != valueB) throw new IncompatibleModelsException(a, b, what, valueA, valueB);
    }

    private static string Family(StudyModel m) => BuiltInMethod(m.Metadata.Architecture) is { } method ? $"{method} ({m.Metadata.Architecture})" : $"none ({m.Metadata.Architecture})";

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Numbers(double[] values) => "[" + string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";

    private static string Names(IReadOnlyList<string> names) => names.Count == 0 ? "(none recorded)" : "[" + string.Join(", ", names) + "]";

    // Explainer names match as the registry matches them: case-insensitive, ignoring '-', '_' and spaces.
    private static string Key(string name) => new([.. name.Trim().ToLowerInvariant().Where(c => c is not ('-' or '_' or ' '))]);
}

/// <summary>Two models of a stability study that cannot be compared (<see cref="ModelCompatibility.Check"/>).</summary>
public sealed class IncompatibleModelsException : ArgumentException
{
    /// <summary>Creates the exception; the message names both models, what differs and both values.</summary>
    public IncompatibleModelsException(StudyModel a, StudyModel b, string what, string valueA, string valueB)
        : base($"models {a.Label} ({a.Path}) and {b.Label} ({b.Path}) differ in {what}: {valueA} vs {valueB}; " +
               "a stability study compares models of the same classes, input, kind of map and training data")
    {
        What = what;
        ModelA = a.Label;
        ModelB = b.Label;
    }

    /// <summary>What differs (e.g. <c>class names</c>, <c>input size</c>, <c>training data (data)</c>).</summary>
    public string What { get; }

    /// <summary>The first model's label.</summary>
    public string ModelA { get; }

    /// <summary>The second model's label.</summary>
    public string ModelB { get; }
}
