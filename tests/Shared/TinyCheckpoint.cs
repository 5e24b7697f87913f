using Ocular.Torch;
using Ocular.Vision.Datasets.Shapes;
using Ocular.Vision.Models;

namespace Ocular.TestSupport;

/// <summary>
/// A small classifier checkpoint for evaluation tests: a compact CNN with seeded initialisation (libtorch's
/// global generator: call from a test collection that is not run in parallel) and Shapes' class names,
/// saved with <see cref="ClassifierCheckpoint.Save"/> for <paramref name="size"/>×<paramref name="size"/> RGB input.
/// </summary>
internal static class TinyCheckpoint
{
    public static string Create(string directory, int size = 32, int classes = 6, ulong seed = 3)
    {
        Engine.ManualSeed(seed);
        using var model = ModelZoo.Create("compact_cnn", classes);
        model.Eval();
        var path = Path.Combine(directory, "tiny.ocular");
        ClassifierCheckpoint.Save(path, model, new ClassifierMetadata
        {
            Architecture = "compact_cnn",
            NumClasses = classes,
            ClassNames = [.. Enum.GetNames<ShapeKind>().Take(classes).Select(n => n.ToLowerInvariant())],
            InputSize = size,
            ResizeSize = size,
            Mean = [0.5, 0.5, 0.5],
            Std = [0.25, 0.25, 0.25],
        });
        return path;
    }
}
