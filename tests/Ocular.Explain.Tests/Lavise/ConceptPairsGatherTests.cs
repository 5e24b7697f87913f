using Ocular.Explain.Learned.Lavise;
using Ocular.Explain.Semantics;
using Ocular.Torch;
using Ocular.Vision.Datasets;
using Ocular.Vision.Models;
using Ocular.Vision.Training;

namespace Ocular.Explain.Tests.Lavise;

/// <summary>
/// LaViSE's concept–mask pairs built by two ranks (threads, each with its own group over loopback), each from its part of
/// the images, then gathered: every rank holds the single process's pairs, in its order, to the bit.
/// </summary>
[Collection(GlobalStateCollection.Name)]
public class ConceptPairsGatherTests
{
    [Fact]
    public void GatheredPairsAreTheSingleProcesssPairs()
    {
        using var dir = new TempDirectory();
        var spec = DataSpec.Parse("shapes:count=21,size=32");
        var data = spec.OpenConcepts(DataSplit.Train);
        var recipe = DataRecipe.For("shapes", data, null, "none");
        var metadata = recipe.Metadata("compact_cnn", data.ClassNames);
        Engine.ManualSeed(4);
        using (var model = ModelZoo.Create("compact_cnn", data.ClassNames.Count, recipe.InChannels))
            ClassifierCheckpoint.Save(dir.File("model.ocular"), model, metadata);
        var random = new Random(2);
        using var vectors = Tensor.FromArray([.. Enumerable.Range(0, data.Concepts.Count * 8).Select(_ => (float)random.NextDouble() - 0.5f)], data.Concepts.Count, 8);
        using var embeddings = WordEmbeddings.FromVectors(data.Concepts, vectors, "test vectors");
        var vocabulary = ConceptVocabulary.Create(data.Concepts, embeddings, 0.5, 1);

        (int[] Concepts, int[] Images, int Read, float[] Pooled) Build(DistributedRun distributed)
        {
            using var loaded = ClassifierCheckpoint.Load(dir.File("model.ocular"));
            var features = new LaviseFeatures(loaded.Model, loaded.Model.DefaultLayer, metadata.InputSize);
            var part = ConceptPairs.Build(distributed.Part(data, 4), metadata.Preprocessing(), features, vocabulary, 4, 0, null, CancellationToken.None);
            using var pairs = ConceptPairs.Gather(part, distributed);
            using var pooled = pairs.Pooled.To(ScalarType.Float32);
            return (pairs.Concepts, pairs.Images, pairs.ImagesRead, pooled.ToArray<float>());
        }

        var single = Build(DistributedRun.Single);
        var ranks = LoopbackRanks.Run(2, g => Build(new DistributedRun(g)));
        Assert.Equal(21, single.Read);
        Assert.True(single.Concepts.Length > 21, $"{single.Concepts.Length} pairs");   // several masks per image: the order within an image matters
        Assert.Equal(single.Images.Order(), single.Images);
        foreach (var rank in ranks)
        {
            Assert.Equal(single.Read, rank.Read);
            Assert.Equal(single.Images, rank.Images);
            Assert.Equal(single.Concepts, rank.Concepts);
            Assert.Equal(single.Pooled, rank.Pooled);
        }
    }
}
