using Ocular.Explain.Learned.Lvw;
using Ocular.Torch;
using Ocular.Vision.Tests;

namespace Ocular.Explain.Tests.Lvw;

/// <summary>The push's high-activation box (reference learnable-visual-words.md §5, <c>find_high_activation_crop</c>) and the quantile it thresholds at.</summary>
[Collection(GlobalStateCollection.Name)]
public class WordPushBoxTests
{
    // The selection-based quantile must be torch.quantile to the bit, or the push's boxes could move by a pixel.
    [Fact]
    public void TheSelectedQuantileIsTorchsQuantileToTheBit()
    {
        using var generator = new Generator(7);
        var checkedValues = 0;
        foreach (var n in new long[] { 1, 2, 3, 21, 224 * 224 })
        {
            for (var draw = 0; draw < 6; draw++)
            {
                using var scope = DisposeScope.Enter();
                var values = Tensor.Rand([n], generator).To(ScalarType.Float64);
                // Every other draw rounded to a few levels: many ties around the ranks that are read.
                if (draw % 2 == 1) values = values.Mul(4).Floor().Div(4);
                foreach (var q in new[] { 0.0, 0.25, 0.5, 0.9, 0.95, 1.0 })
                {
                    var expected = values.Quantile(q).Item<double>();
                    Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(WordPush.LinearQuantile(values, q)));
                    checkedValues++;
                }
            }
        }
        Assert.Equal(5 * 6 * 6, checkedValues);
    }

    [Fact]
    public void TheQuantileRefusesWhatItCannotRead()
    {
        using var floats = Tensor.Rand([4]);
        Assert.Contains("float64", Assert.Throws<ArgumentException>(() => WordPush.LinearQuantile(floats, 0.5)).Message);
        using var matrix = Tensor.Rand([2, 2]).To(ScalarType.Float64);
        Assert.Contains("[2, 2]", Assert.Throws<ArgumentException>(() => WordPush.LinearQuantile(matrix, 0.5)).Message);
        using var vector = Tensor.Rand([4]).To(ScalarType.Float64);
        Assert.Throws<ArgumentOutOfRangeException>(() => WordPush.LinearQuantile(vector, 1.5));
    }

    // A map whose similarity peaks at one latent position: the box lies around that position's place in the image, and
    // it is the box of the pixels at or above the 95th percentile of the bicubic upsampling (computed here by sorting).
    [Fact]
    public void TheBoxSurroundsThePixelsAtOrAboveThe95thPercentile()
    {
        var distances = Enumerable.Repeat(5f, 49).ToArray();
        distances[2 * 7 + 5] = 0f;   // row 2, column 5: the closest patch
        using var map = Tensor.FromArray(distances, 7, 7);
        var box = WordPush.HighActivationBox(map, 224);

        using var scope = DisposeScope.Enter();
        var similarity = Ocular.Vision.Models.Prototypes.PrototypeNetwork.Similarity(map).Unsqueeze(0);
        var up = Ocular.Vision.Images.ImageIO.Resize(similarity, new Pair(224, 224), Ocular.Vision.Images.ImageInterpolation.Bicubic).Squeeze(0).To(ScalarType.Float64);
        var pixels = up.Reshape(-1).ToArray<double>();
        var sorted = pixels.Order().ToArray();
        var rank = 0.95 * (sorted.Length - 1);
        var threshold = sorted[(int)rank] + (rank - (int)rank) * (sorted[(int)Math.Ceiling(rank)] - sorted[(int)rank]);
        var inside = Enumerable.Range(0, pixels.Length).Where(i => pixels[i] >= threshold).ToArray();
        Assert.Equal([inside.Min() / 224, inside.Max() / 224 + 1, inside.Min(i => i % 224), inside.Max(i => i % 224) + 1], box);
        // The peak's cell (2, 5) covers rows 64–96 and columns 160–192 of the image (32 pixels a cell).
        Assert.True(box[0] < 96 && box[1] > 64 && box[2] < 192 && box[3] > 160, $"box [{string.Join(", ", box)}]");
        Assert.True(box[1] - box[0] < 112 && box[3] - box[2] < 112, $"box [{string.Join(", ", box)}] is not local");
    }
}
