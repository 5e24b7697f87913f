using Ocular.Evaluation.Sharding;
using Ocular.Torch;

namespace Ocular.Cli.Commands;

/// <summary>
/// What <c>ocular explain</c> computes for one batch of inputs, whichever rank computes it: the predictions, the explained
/// rows (image × target), every method's maps and every overlay as its PNG. <see cref="ExplainFiles"/> folds the batches
/// in input order; in a sharded run (docs/distributed.md) the batches travel between the ranks as <see cref="Encode"/>'s bytes.
/// </summary>
internal sealed class ExplainedBatch : IDisposable
{
    /// <summary>The index of the batch's first input.</summary>
    public required int Start { get; init; }

    /// <summary>Per input: the predicted class.</summary>
    public required long[] Predicted { get; init; }

    /// <summary>Per input: the softmax probability of the predicted class.</summary>
    public required float[] Probability { get; init; }

    /// <summary>Per row: the explained class (rows are image-major, <see cref="RowsPerImage"/> per image).</summary>
    public required long[] Targets { get; init; }

    /// <summary>Per row: the softmax probability of the explained class.</summary>
    public required float[] TargetProbability { get; init; }

    /// <summary>Targets per image.</summary>
    public required int RowsPerImage { get; init; }

    /// <summary>The maps' height and width (the model's input).</summary>
    public required (long Height, long Width) Size { get; init; }

    /// <summary>Per method: its maps, float32 [rows, H, W] (owned).</summary>
    public required IReadOnlyList<Tensor> Maps { get; init; }

    /// <summary>The overlays as PNG files: [row, method].</summary>
    public required byte[,][] Overlays { get; init; }

    /// <summary>The bytes one rank sends the others: every number bit for bit.</summary>
    public byte[] Encode()
    {
        var w = new PayloadWriter();
        w.Int(Start);
        w.Longs(Predicted);
        w.Floats(Probability);
        w.Longs(Targets);
        w.Floats(TargetProbability);
        w.Int(RowsPerImage);
        w.Long(Size.Height);
        w.Long(Size.Width);
        w.Int(Maps.Count);
        foreach (var m in Maps) w.Tensor(m);
        for (var r = 0; r < Targets.Length; r++)
            for (var m = 0; m < Maps.Count; m++) w.Bytes(Overlays[r, m]);
        return w.ToArray();
    }

    /// <summary>Reads <see cref="Encode"/>'s bytes.</summary>
    public static ExplainedBatch Decode(byte[] payload)
    {
        var r = new PayloadReader(payload);
        var (start, predicted, probability, targets, targetProbability, k) = (r.Int(), r.Longs(), r.Floats(), r.Longs(), r.Floats(), r.Int());
        var size = (r.Long(), r.Long());
        var maps = new List<Tensor>();
        for (int m = 0, n = r.Int(); m < n; m++) maps.Add(r.Tensor());
        var overlays = new byte[targets.Length, maps.Count][];
        for (var row = 0; row < targets.Length; row++)
            for (var m = 0; m < maps.Count; m++) overlays[row, m] = r.Bytes();
        return new ExplainedBatch
        {
            Start = start, Predicted = predicted, Probability = probability, Targets = targets, TargetProbability = targetProbability,
            RowsPerImage = k, Size = size, Maps = maps, Overlays = overlays,
        };
    }

    /// <summary>Frees the maps.</summary>
    public void Dispose()
    {
        foreach (var m in Maps) m.Dispose();
    }
}
