using System.Text.Json;
using Ocular.Explain.Semantics;
using Ocular.Torch;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Training;
using Ocular.Vision.Transforms;
using Ocular.Torch.Serialization;

namespace Ocular.Explain.Learned.Lavise;

/// <summary>What LaViSE's trainer and filter explainer read besides the model: the concept data, the word embedding and the label columns.</summary>
public static class LaviseData
{
    /// <summary>
    /// Opens the word embedding at <paramref name="path"/>, or Ocular's default fastText vectors of the WordNet glosses
    /// when null (built on first use, which takes minutes; <c>ocular embeddings build</c> does it ahead).
    /// </summary>
    public static WordEmbeddings OpenEmbeddings(string? path, ITrainingProgress? progress = null)
    {
        if (path is null)
        {
            if (DefaultWordVectors.Find() is null)
                progress?.Message("building Ocular's default word vectors (fastText skip-gram on the WordNet glosses, a few minutes, once)");
            var build = DefaultWordVectors.Build();
            path = build.Path;
        }
        progress?.Message($"word embedding: {path}");
        return WordEmbeddings.Load(path);
    }

    /// <summary>The embedding rows of the vocabulary's label columns, <c>[L, E]</c> (normalised).</summary>
    public static Tensor ColumnVectors(ConceptVocabulary vocabulary, WordEmbeddings embeddings)
    {
        var rows = vocabulary.Rows(embeddings);
        using var index = Tensor.FromArray(rows.Select(r => (long)r).ToArray(), rows.Length);
        return embeddings.Vectors.IndexSelect(0, index);
    }

    /// <summary>
    /// The training augmentation of the original's COCO setting (§3.3), with the concept masks following the image (§8.5):
    /// a random resized crop to the model's input size and a horizontal flip, then normalisation.
    /// </summary>
    public static ITransform AugmentingTransform(ClassifierMetadata meta) => new Compose(
        new RandomResizedCrop(new Pair(meta.InputSize, meta.InputSize)), new RandomHorizontalFlip(), new ToTensor(), new Normalize(meta.Normalization));

    /// <summary>Writes the label columns and the seen/unseen split as JSON (atomically): the run's record of which concepts were held out.</summary>
    public static void WriteConcepts(string path, ConceptVocabulary vocabulary)
    {
        var document = new
        {
            seen_rate = vocabulary.SeenRate,
            seed = vocabulary.Seed,
            columns = vocabulary.ColumnWords.Select((w, c) => new { word = w, seen = vocabulary.Seen[c] }),
            concepts = vocabulary.Concepts.Select((name, i) => new { name, words = vocabulary.ConceptColumns[i].Select(c => vocabulary.ColumnWords[c]) }),
        };
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(document, LaviseTrainer.Json));
    }
}
