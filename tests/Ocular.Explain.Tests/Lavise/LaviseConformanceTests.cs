using Ocular.Explain.Learned.Lavise;
using Ocular.Torch;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Training;

namespace Ocular.Explain.Tests.Lavise;

/// <summary>The conformance checks of lavise.md §9 and the defects of §8 that are fixed here, as properties of Ocular's code.</summary>
[Collection(GlobalStateCollection.Name)]
public class LaviseConformanceTests
{
    [Theory]
    [InlineData(512, 418_604)]
    [InlineData(2048, 4_819_244)]
    public void TheExplainerHasThePublishedShapeAndParameterCount(long d, long parameters)
    {
        using var network = new LaviseNetwork(d, 300);
        Assert.Equal(parameters, network.Parameters().Sum(p => p.NumEl));
        // The children carry the original nn.Sequential's names, so its fc.N.* keys load by name.
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias", "6.weight", "6.bias"], network.NamedParameters().Select(p => p.Path));
        network.Eval();
        using var x = Tensor.Randn([3, d]);
        using var y = network.Forward(x);
        Assert.Equal([3L, 300], y.Shape);
        Assert.Throws<ArgumentException>(() => network.Forward(Tensor.Zeros([3, d + 1])));
    }

    [Fact]
    public void APredictionEqualToItsOnlyPositiveCostsTheSumOfThePositiveCosinesToTheOthers()
    {
        // §9: with margin 1 and v̂ = the normalised positive embedding, each negative term is max(0, cos(v_t, v_c)).
        using var g = new Generator(3);
        using var embeddings = Tensor.Randn([6, 10], generator: g);
        using var prediction = embeddings.Select(0, 2).Unsqueeze(0).Mul(4.0);
        using var target = Tensor.Zeros([1, 6]);
        target.Select(1, 2).Fill_(1);
        using var loss = CsmrLoss.Compute(prediction, target, embeddings);
        using var cos = CsmrLoss.Cosines(embeddings.Select(0, 2).Unsqueeze(0), embeddings);
        var c = cos.ToArray<float>();
        var expected = c.Where((_, i) => i != 2).Sum(v => Math.Max(0, v));
        Assert.Equal(expected, loss.Item<float>(), 5);
    }

    [Fact]
    public void CodeProjectionOfALoneChannelPoolsItsNormOverThePositions()
    {
        // §9: if F_u is the only non-zero channel, pooled_u = ‖F_u‖₂ / (h′w′) and every other channel pools to 0.
        using var f = Tensor.Zeros([4, 3, 5]);
        using var g = new Generator(5);
        using (var channel = Tensor.Rand([3, 5], generator: g)) f.Select(0, 1).Copy_(channel);
        using var pooled = FilterExplainer.PooledInputs(f, null, [1], FilterMasking.FilterAttention, [0f, 0f, 0f, 0f], null);
        var p = pooled.ToArray<float>();
        using var norm = f.Select(0, 1).Norm();
        Assert.Equal(norm.Item<float>() / 15, p[1], 6);
        Assert.Equal(0f, p[0]);
        Assert.Equal(0f, p[2]);
        Assert.Equal(0f, p[3]);
    }

    [Fact]
    public void ThePaperCosineWeighsEachChannelByItsCosineWithTheFilter()
    {
        using var g = new Generator(7);
        using var f = Tensor.Randn([5, 4, 4], generator: g);
        using var pooled = FilterExplainer.PooledInputs(f, null, [3], FilterMasking.FilterAttentionCosine, new float[5], null);
        var p = pooled.ToArray<float>();
        var flat = f.Reshape(5, 16).ToArray<float>();
        for (var k = 0; k < 5; k++)
        {
            double dot = 0, nu = 0, nk = 0, mean = 0;
            for (var i = 0; i < 16; i++)
            {
                dot += flat[3 * 16 + i] * flat[k * 16 + i];
                nu += flat[3 * 16 + i] * flat[3 * 16 + i];
                nk += flat[k * 16 + i] * flat[k * 16 + i];
                mean += flat[k * 16 + i] / 16;
            }
            Assert.Equal(dot / (Math.Sqrt(nu) * Math.Sqrt(nk) + 1e-8) * mean, p[k], 5);
        }
    }

    [Fact]
    public void WordRankingBreaksCountTiesByAscendingEmbeddingRow()
    {
        // §8.12: counts descending, ties by ascending row — not np.argsort's arbitrary order.
        var rows = new Dictionary<string, int> { ["zebra"] = 1, ["apple"] = 7, ["mango"] = 3, ["kiwi"] = 2 };
        FilterImage Image(int i, float max, params string[] words) => new(i, null, max, words, [], []);
        var images = new List<FilterImage> { Image(0, 2.5f, "apple", "mango"), Image(1, 0.5f, "zebra", "apple"), Image(2, 1.5f, "mango", "kiwi") };
        var options = new FilterExplanationOptions { WordsPerImage = 2, WordsPerFilter = 3 };
        var ranked = FilterExplainer.Rank(images, options, w => rows[w]);
        // apple and mango twice (mango's row 3 before apple's 7), zebra and kiwi once (row 1 before row 2).
        Assert.Equal(["mango", "apple", "zebra", "kiwi"], ranked.Select(w => w.Word));
        Assert.Equal([2, 2, 1, 1], ranked.Select(w => w.Count));
        // Floor weighting (the original): image 0 counts twice, image 1 (max 0.5) not at all.
        var floor = FilterExplainer.Rank(images, options with { Weighting = ActivationWeighting.Floor }, w => rows[w]);
        Assert.Equal([("mango", 3), ("apple", 2), ("kiwi", 1)], floor.Select(w => (w.Word, w.Count)));
        // The vocabulary filter before the cut keeps up to x words; after the cut (the original) fewer may remain.
        var vocabulary = new HashSet<string> { "kiwi", "zebra" };
        Assert.Equal(["zebra", "kiwi"], FilterExplainer.Cut(ranked, options with { Vocabulary = vocabulary }).Select(w => w.Word));
        Assert.Equal(["zebra"], FilterExplainer.Cut(ranked, options with { Vocabulary = vocabulary, FilterAfterCut = true }).Select(w => w.Word));
    }
}
