using System.Text.Json.Nodes;
using Ocular.Torch;
using Ocular.Vision.Datasets;
using Ocular.Vision.Datasets.VisualGenome;
using Ocular.Vision.Images;

namespace Ocular.Vision.Tests.Datasets;

/// <summary>The paper's Visual Genome preprocessing on a small VG-format root the test writes, and the data set over its output.</summary>
public class VisualGenomeTests
{
    private const string Url = "https://cs.stanford.edu/people/rak248/";

    // Five images; image 1 is 20 high and 60 wide, with a tree box at x = 45…54, right of x = H.
    private static void WriteRoot(TempDirectory dir)
    {
        File.WriteAllText(dir.File("image_data.json"), new JsonArray(
            Image(1, 60, 20, "VG_100K_2"), Image(2, 30, 40, "VG_100K"), Image(3, 50, 50, "VG_100K"), Image(4, 10, 10, "VG_100K"),
            Image(5, 10, 10, "VG_100K")).ToJsonString());
        File.WriteAllText(dir.File("objects.json"), new JsonArray(
            Objects(1,
                Obj(45, 3, 10, 5, "trees", "tree.n.01"),
                Obj(0, 0, 5, 5, "Tree", "tree.n.02"),             // another sense of the same lemma: merged into "tree"
                Obj(2, 2, 3, 3, "man", "man.n.01"),
                Obj(10, 10, 4, 4, "traffic light", "traffic_light.n.01"), // a multi-word lemma: left out
                Obj(1, 1, 2, 2, "blur", null),                     // no synset
                Obj(70, 1, 5, 5, "sign", "sign.n.02")),            // outside the image: not box-able
            Objects(2,
                Obj(1, 1, 4, 4, "man", "man.n.01"),
                Obj(20, 30, 6, 8, "guy", "man.n.01"),              // a second instance: merged, union of the boxes
                Obj(0, 0, 2, 2, "rarity", "rare.n.01"),            // in one image only: cut
                Obj(0, 35, 30, 5, "sidewalk", "sidewalk.n.01")),
            Objects(3,
                Obj(0, 0, 50, 10, "sidewalk", "sidewalk.n.01"),
                Obj(5, 5, 5, 5, "man", "man.n.01"),
                Obj(-5, 40, 20, 20, "tree", "tree.n.01")),          // clipped to x 0…15, y 40…50
            Objects(4, Obj(1, 1, 2, 2, "oddity", "rare2.n.01")),  // only a cut category: the image is dropped
            Objects(5)).ToJsonString());
        WriteJpeg(dir.File("VG_100K_2/1.jpg"), 20, 60);
        WriteJpeg(dir.File("VG_100K/2.jpg"), 40, 30);
        WriteJpeg(dir.File("VG_100K_2/3.jpg"), 50, 50); // not where its url says: found in the other folder
    }

    [Fact]
    public void PreprocessingMergesSynsetsAndInstancesCutsRareCategoriesAndCounts()
    {
        using var dir = new TempDirectory();
        WriteRoot(dir);
        var counts = VisualGenomePreparation.Run(dir.Path, options: new VisualGenomePreparationOptions { MinImages = 2 });
        Assert.Equal(5, counts.ImagesListed);
        Assert.Equal(4, counts.ImagesWithObjects);
        Assert.Equal(4, counts.ImagesBoxable);
        Assert.Equal(3, counts.ImagesKept);
        Assert.Equal(5, counts.Categories);       // tree, man, rare, sidewalk, rare2
        Assert.Equal(3, counts.CategoriesKept);   // tree, man, sidewalk
        Assert.Equal(3, counts.MaxCategoriesPerImage);
        Assert.Equal(6, counts.Synsets);          // tree.n.01, tree.n.02, man.n.01, rare.n.01, sidewalk.n.01, rare2.n.01
        Assert.Equal(10, counts.ObjectNames);     // trees, tree (and "Tree"), man, traffic light, blur, sign, guy, rarity, sidewalk, oddity
        Assert.Equal(14, counts.Objects);
        Assert.Equal(1, counts.ObjectsWithoutSynset);
        Assert.Equal(1, counts.ObjectsMultiWord);
        Assert.Equal(1, counts.ObjectsEmptyBox);
        Assert.Equal(9, counts.ObjectsKept);

        var labels = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, VisualGenomePreparation.LabelsFileName)))!;
        Assert.Equal(new[] { "tree", "man", "sidewalk" }, labels["labels"]!.AsArray().Select(l => (string)l!));
        Assert.Equal(3, (int)labels["images"]!);
        var objects = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, VisualGenomePreparation.ObjectsFileName)))!.AsArray();
        Assert.Equal(new long[] { 1, 2, 3 }, objects.Select(o => (long)o!["image_id"]!));
        Assert.Equal("VG_100K_2/1.jpg", (string)objects[0]!["path"]!);
        var second = objects[1]!["objects"]!.AsObject();
        Assert.Equal(new[] { "man", "sidewalk" }, second.Select(p => p.Key));
        Assert.Equal(2, second["man"]!.AsArray().Count);
        var clipped = objects[2]!["objects"]!["tree"]![0]!;
        Assert.Equal(new[] { 0, 40, 15, 10 }, new[] { "x", "y", "w", "h" }.Select(k => (int)clipped[k]!));
    }

    [Fact]
    public void MultiWordSynsetsCanBeKeptWithSpaces()
    {
        using var dir = new TempDirectory();
        WriteRoot(dir);
        var counts = VisualGenomePreparation.Run(dir.Path, Path.Combine(dir.Path, "prepared"),
            new VisualGenomePreparationOptions { MinImages = 1, KeepMultiWordSynsets = true });
        Assert.Equal(0, counts.ObjectsMultiWord);
        var data = new VisualGenomeDataset(dir.Path, preparedDirectory: Path.Combine(dir.Path, "prepared"));
        Assert.Equal(new[] { "tree", "man", "traffic light", "rare", "sidewalk", "rare2" }, data.Concepts);
        Assert.Equal(4, data.Count);
        Assert.Equal("st._bernard", VisualGenomePreparation.Lemma("st._bernard.n.01"));
    }

    [Fact]
    public void BoxMasksAreHeightByWidthAndIndexedYx()
    {
        // §8.3: the original's torch.zeros(img.size) is W×H, so on this 20×60 image a box at x ≥ 20 is lost.
        using var masks = VisualGenomeDataset.BoxMasks([[45, 3, 10, 5]], height: 20, width: 60);
        Assert.Equal([1L, 20, 60], masks.Shape);
        var pixels = masks.ToArray<bool>();
        Assert.Equal(50, pixels.Count(p => p));
        for (var y = 0; y < 20; y++)
            for (var x = 0; x < 60; x++)
                Assert.Equal(y is >= 3 and < 8 && x is >= 45 and < 55, pixels[y * 60 + x]);
    }

    [Fact]
    public void SamplesCarryTheUnionOfEachCategorysBoxesAtTheImagesSize()
    {
        using var dir = new TempDirectory();
        WriteRoot(dir);
        VisualGenomePreparation.Run(dir.Path, options: new VisualGenomePreparationOptions { MinImages = 2 });
        var data = new VisualGenomeDataset(dir.Path);
        Assert.Equal(3, data.Count);
        Assert.Empty(data.ClassNames);
        Assert.Equal(new[] { "tree", "man", "sidewalk" }, data.Concepts);

        using var first = data.Get(0);
        Assert.Equal(-1, first.Label);
        Assert.Equal([3L, 20, 60], first.Image.Shape);
        Assert.Equal(new[] { "tree", "man" }, first.ConceptNames);
        Assert.Equal([2L, 20, 60], first.ConceptMasks!.Shape);
        using (var tree = first.ConceptMask("tree"))
        {
            var pixels = tree.ToArray<bool>();
            Assert.Equal(50 + 25, pixels.Count(p => p)); // two senses of "tree", one mask
            Assert.True(pixels[5 * 60 + 50]);            // the box right of x = H survives
        }

        using var second = data.Get(1);
        using var man = second.ConceptMask("man");
        Assert.Equal(16 + 48, man.ToArray<bool>().Count(p => p)); // two instances: the union of their boxes

        using var third = data.Get(2);
        Assert.EndsWith(Path.Combine("VG_100K_2", "3.jpg"), third.Path);
        Assert.Equal(3, data.ImageId(2));
    }

    [Fact]
    public void TheSplitIsTorchsRandomSplitWithSeedZero()
    {
        using var reference = Fixtures.Load("vg", "split.safetensors");
        foreach (var n in new[] { 10, 37, 1000 })
        {
            Assert.Equal(reference.Tensors[$"train_{n}"].ToArray<long>().Select(i => (int)i), VisualGenomeDataset.SplitIndices(n, DataSplit.Train));
            Assert.Equal(reference.Tensors[$"test_{n}"].ToArray<long>().Select(i => (int)i), VisualGenomeDataset.SplitIndices(n, DataSplit.Test));
        }
        Assert.Equal(Enumerable.Range(0, 5), VisualGenomeDataset.SplitIndices(5, null));
    }

    [Fact]
    public void AnUnpreparedRootSaysToRunPrepare()
    {
        using var dir = new TempDirectory();
        WriteRoot(dir);
        var e = Assert.Throws<DatasetException>(() => new VisualGenomeDataset(dir.Path, DataSplit.Train));
        Assert.Contains($"run `ocular prepare vg --root {dir.Path}`", e.Message);
    }

    [Fact]
    public void PreparedFilesFromDifferentRunsAreRefused()
    {
        using var dir = new TempDirectory();
        WriteRoot(dir);
        VisualGenomePreparation.Run(dir.Path, options: new VisualGenomePreparationOptions { MinImages = 2 });
        var labels = Path.Combine(dir.Path, VisualGenomePreparation.LabelsFileName);
        File.WriteAllText(labels, File.ReadAllText(labels).Replace("\"images\": 3", "\"images\": 4"));
        var e = Assert.Throws<DatasetException>(() => new VisualGenomeDataset(dir.Path));
        Assert.Contains("holds 3 images but", e.Message);
        Assert.Contains("says 4", e.Message);
    }

    [Fact]
    public void ObjectsOfAnUnlistedImageAreAnError()
    {
        using var dir = new TempDirectory();
        WriteRoot(dir);
        File.WriteAllText(Path.Combine(dir.Path, "objects.json"), new JsonArray(Objects(9, Obj(1, 1, 2, 2, "man", "man.n.01"))).ToJsonString());
        var e = Assert.Throws<DatasetException>(() => VisualGenomePreparation.Run(dir.Path));
        Assert.Contains("has objects of image 9, which", e.Message);
        Assert.False(File.Exists(Path.Combine(dir.Path, VisualGenomePreparation.LabelsFileName)));
    }

    [Fact]
    public void ACocoFileIsNotVisualGenome()
    {
        using var dir = new TempDirectory();
        WriteRoot(dir);
        File.WriteAllText(Path.Combine(dir.Path, "objects.json"), "{\"images\": [], \"annotations\": [], \"categories\": []}");
        var e = Assert.Throws<DatasetException>(() => VisualGenomePreparation.Run(dir.Path));
        Assert.Contains("is not Visual Genome's objects.json", e.Message);
    }

    private static JsonObject Image(int id, int width, int height, string folder) =>
        new() { ["width"] = width, ["url"] = $"{Url}{folder}/{id}.jpg", ["height"] = height, ["image_id"] = id, ["coco_id"] = null, ["flickr_id"] = null };

    private static JsonObject Objects(int id, params JsonObject[] objects) =>
        new() { ["image_id"] = id, ["objects"] = new JsonArray([.. objects]), ["image_url"] = $"{Url}VG_100K/{id}.jpg" };

    private static JsonObject Obj(int x, int y, int w, int h, string name, string? synset) => new()
    {
        ["synsets"] = synset is null ? new JsonArray() : new JsonArray(synset), ["h"] = h, ["object_id"] = x * 1000 + y,
        ["merged_object_ids"] = new JsonArray(), ["names"] = new JsonArray(name), ["w"] = w, ["y"] = y, ["x"] = x,
    };

    private static void WriteJpeg(string path, int height, int width)
    {
        using var image = Tensor.Full([3, height, width], 128, ScalarType.UInt8);
        ImageIO.WriteJpeg(path, image);
    }
}
