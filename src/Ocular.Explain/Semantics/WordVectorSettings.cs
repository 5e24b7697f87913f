using System.Globalization;

namespace Ocular.Explain.Semantics;

/// <summary>
/// The fastText skip-gram settings of the default word vectors (<see cref="DefaultWordVectors"/>). Every field is part
/// of the cache key; fastText always runs with one thread, so that a seed gives the same vectors byte for byte.
/// </summary>
public sealed record WordVectorSettings
{
    /// <summary>The settings <c>ocular embeddings build</c> uses: 300 dimensions like GloVe 6B-300d (reference §1).</summary>
    public static WordVectorSettings Default { get; } = new();

    /// <summary>Vector dimension (fastText <c>-dim</c>).</summary>
    public int Dimension { get; init; } = 300;

    /// <summary>Passes over the corpus (<c>-epoch</c>).</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Words seen fewer times are dropped (<c>-minCount</c>); 1 keeps every WordNet lemma word.</summary>
    public int MinCount { get; init; } = 1;

    /// <summary>Context window (<c>-ws</c>).</summary>
    public int Window { get; init; } = 5;

    /// <summary>Negative samples per word (<c>-neg</c>).</summary>
    public int Negatives { get; init; } = 5;

    /// <summary>Initial learning rate (<c>-lr</c>).</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>
    /// Shortest character n-gram (<c>-minn</c>); 0, with <see cref="MaxN"/> 0, turns subwords off — the default: on this
    /// 1.8 M-token corpus fastText's subwords (3–6) made neighbours by spelling (red → reed, bred, cured) rather than by
    /// meaning (red → yellow, orange, scarlet without them), and took twice as long.
    /// </summary>
    public int MinN { get; init; }

    /// <summary>Longest character n-gram (<c>-maxn</c>); 0 turns subwords off (the default).</summary>
    public int MaxN { get; init; }

    /// <summary>Hash buckets of the character n-grams (<c>-bucket</c>) when subwords are on; fastText's 2 M would need 2.4 GB at 300 dimensions.</summary>
    public int Buckets { get; init; } = 200_000;

    /// <summary>The random seed (<c>-seed</c>).</summary>
    public int Seed { get; init; } = 1;

    /// <exception cref="ArgumentException">A field is out of range (the message names it).</exception>
    public void Validate()
    {
        static void Check(bool ok, string what)
        {
            if (!ok) throw new ArgumentException(what);
        }
        Check(Dimension >= 1, $"the dimension must be at least 1, got {Dimension}");
        Check(Epochs >= 1, $"the number of epochs must be at least 1, got {Epochs}");
        Check(MinCount >= 1, $"minCount must be at least 1, got {MinCount}");
        Check(Window >= 1, $"the window must be at least 1, got {Window}");
        Check(Negatives >= 1, $"the number of negatives must be at least 1, got {Negatives}");
        Check(LearningRate > 0 && double.IsFinite(LearningRate), $"the learning rate must be positive, got {LearningRate}");
        Check(MinN >= 0 && MaxN >= MinN && (MaxN == 0 || MinN >= 1), $"the character n-grams need 1 ≤ minn ≤ maxn, or both 0; got {MinN}…{MaxN}");
        Check(Buckets >= 0, $"the number of buckets must not be negative, got {Buckets}");
    }

    /// <summary>The fastText command line after <c>skipgram -input … -output …</c>.</summary>
    internal IEnumerable<string> FastTextArguments()
    {
        string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        return
        [
            "-dim", I(Dimension), "-epoch", I(Epochs), "-minCount", I(MinCount), "-ws", I(Window), "-neg", I(Negatives),
            "-lr", LearningRate.ToString("R", CultureInfo.InvariantCulture), "-minn", I(MinN), "-maxn", I(MaxN),
            "-bucket", I(MaxN == 0 ? 0 : Buckets), "-seed", I(Seed), "-thread", "1", "-verbose", "2",
        ];
    }
}
