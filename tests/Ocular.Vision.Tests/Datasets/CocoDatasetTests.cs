using System.Text.Json.Nodes;
using Ocular.Torch;
using Ocular.Vision.Datasets;
using Ocular.Vision.Datasets.Coco;
using Ocular.Vision.Images;

namespace Ocular.Vision.Tests.Datasets;

/// <summary>
/// COCO instances read as published, masks against pycocotools' own C code (tests/fixtures/coco/make_reference.py
/// compiles cocoapi's maskApi.c and decodes the fixture file as annToMask does).
/// </summary>
public class CocoDatasetTests
{
    private static string Root => Fixtures.Path("coco");
    private static string AnnotationFile => Fixtures.Path("coco", "annotations", "instances_val2017.json");

    private static CocoDataset Open() => new(Path.Combine(Root, "val2017"), AnnotationFile);

    [Fact]
    public void EveryMaskEqualsPycocotoolsPixelForPixel()
    {
        var data = Open();
        using var reference = Fixtures.Load("coco", "reference.safetensors");
        var compared = 0;
        for (var i = 0; i < data.Count; i++)
        {
            using var sample = data.Get(i);
            var annotations = data.AnnotationsOf(i);
            Assert.Equal(annotations.Count, sample.ConceptMasks!.Size(0));
            for (var k = 0; k < annotations.Count; k++)
            {
                using var expected = reference.Tensors[$"mask_{annotations[k].Id}"].To(ScalarType.Bool);
                using var actual = sample.ConceptMasks.Select(0, k);
                Assert.Equal(expected.Shape, actual.Shape);
                var wrong = CountDifferent(expected, actual);
                Assert.True(wrong == 0, $"annotation {annotations[k].Id}: {wrong} pixels differ from pycocotools' mask");
                compared++;
            }
        }
        Assert.Equal(34, compared);
    }

    [Fact]
    public void SamplesAreTheAnnotatedImagesInIdOrderWithTheirAnnotationsAsConcepts()
    {
        var data = Open();
        Assert.Equal(3, data.Count); // image 632 has no annotation
        Assert.Equal(new long[] { 139, 285, 724 }, Enumerable.Range(0, 3).Select(i => data.ImageOf(i).Id));
        Assert.Equal(new[] { "person", "car", "dog", "toothbrush" }, data.Concepts); // category ids 1, 3, 18, 90, listed out of order
        Assert.Empty(data.ClassNames);
        Assert.IsAssignableFrom<IConceptDataset>(data);

        using var reference = Fixtures.Load("coco", "reference.safetensors");
        using var first = data.Get(0);
        Assert.Equal(-1, first.Label);
        Assert.Equal(0, first.Index);
        Assert.Equal([3L, 37, 53], first.Image.Shape);
        Assert.Equal(ScalarType.UInt8, first.Image.DType);
        Fixtures.AssertEqual(reference.Tensors["image_139"], first.Image);
        Assert.Equal(new[] { "person", "person", "dog", "car", "toothbrush", "car" }, first.ConceptNames); // names repeat per instance
        Assert.Equal([6L, 37, 53], first.ConceptMasks!.Shape);
        Assert.EndsWith("000000000139.png", first.Path);

        using var second = data.Get(1);
        Assert.Equal([3L, 61, 29], second.Image.Shape); // taller than wide: masks are [y, x]
        Assert.Equal([4L, 61, 29], second.ConceptMasks!.Shape);
        var annotations = data.AnnotationsOf(1);
        Assert.True(annotations[0].IsCrowd);
        Assert.False(Assert.IsType<CocoRunLengths>(annotations[0].Segmentation).Compressed);
        Assert.True(Assert.IsType<CocoRunLengths>(annotations[1].Segmentation).Compressed);
        Assert.True(Assert.IsType<CocoPolygons>(data.AnnotationsOf(0)[5].Segmentation).AreBoxes);
    }

    [Fact]
    public void TheWholeImagePolygonFillsEveryPixelAndMasksAreYx()
    {
        var data = Open();
        using var sample = data.Get(0);
        using var whole = sample.ConceptMasks!.Select(0, 2); // [[0,0, 53,0, 53,37, 0,37]]
        Assert.Equal(37 * 53, CountSet(whole));
        // The first triangle (5.2,3.7)-(30.45,6.1)-(17.9,29.35): a pixel inside it is set at [y, x], not at [x, y].
        using var triangle = sample.ConceptMasks.Select(0, 0);
        var pixels = triangle.ToArray<bool>();
        Assert.True(pixels[10 * 53 + 18]);
        Assert.False(pixels[30 * 53 + 5]);
    }

    [Theory]
    // Strings made by maskApi.c's rleToString from the counts (from the fourth count on, a difference: 0 − 2 is "N").
    [InlineData("522N1", new uint[] { 5, 2, 2, 0, 3 })]
    [InlineData(":d04_O", new uint[] { 10, 20, 4, 3 })]
    [InlineData("PeQ3PoT95QQkF", new uint[] { 100000, 300000, 5, 1 })]
    public void CompressedStringsDecodeAsMaskApi(string text, uint[] counts) => Assert.Equal(counts, CocoRleString.Decode(text));

    [Theory]
    [InlineData("5z", "character 'z' at position 1")]
    [InlineData("5P", "ends inside count 1")]
    [InlineData("PPPPPP0", "more than 6 characters")]
    [InlineData("N", "decodes to -2")]
    public void BadCompressedStringsSayWhatIsWrong(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => CocoRleString.Decode(text));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ANonCocoFileNamesTheMissingKey()
    {
        using var dir = new TempDirectory();
        var json = Document();
        json.Remove("categories");
        var path = Write(dir, json);
        var e = Assert.Throws<DatasetException>(() => new CocoDataset(Images(dir), path));
        Assert.Contains("is not a COCO instances file", e.Message);
        Assert.Contains("no 'categories' key", e.Message);

        File.WriteAllText(path, "[{\"image_id\": 1, \"objects\": []}]"); // a Visual Genome file
        e = Assert.Throws<DatasetException>(() => new CocoDataset(Images(dir), path));
        Assert.Contains("is not a COCO instances file", e.Message);
        Assert.Contains("expected a JSON object at the top level", e.Message);
    }

    [Fact]
    public void AnUnknownCategoryNamesTheAnnotationAndTheId()
    {
        using var dir = new TempDirectory();
        var json = Document();
        json["annotations"]![4]!["category_id"] = 77;
        var e = Assert.Throws<DatasetException>(() => new CocoDataset(Images(dir), Write(dir, json)));
        Assert.Contains("annotation 1005 has category_id 77, which is not in 'categories'", e.Message);
    }

    [Fact]
    public void AnRleOfAnotherSizeNamesTheAnnotation()
    {
        using var dir = new TempDirectory();
        var json = Document();
        json["annotations"]![6]!["segmentation"]!["size"] = new JsonArray(29, 61); // width, height swapped
        var e = Assert.Throws<DatasetException>(() => new CocoDataset(Images(dir), Write(dir, json)));
        Assert.Contains("annotation 1007", e.Message);
        Assert.Contains("RLE 'size' is [29, 61], but the image is [61, 29]", e.Message);
    }

    [Fact]
    public void RunLengthsThatCoverMoreOrFewerPixelsNameTheAnnotation()
    {
        using var dir = new TempDirectory();
        var json = Document();
        json["annotations"]![6]!["segmentation"]!["counts"]!.AsArray().Add(5);
        var e = Assert.Throws<DatasetException>(() => new CocoDataset(Images(dir), Write(dir, json)));
        Assert.Contains("annotation 1007", e.Message);
        Assert.Contains("cover 1774 pixels, but a 61×29 mask has 1769", e.Message);
    }

    [Fact]
    public void APolygonOutsideTheImageNamesTheAnnotation()
    {
        using var dir = new TempDirectory();
        var json = Document();
        json["annotations"]![0]!["segmentation"]![0]![2] = 55.5; // x beyond 53 + 1
        var e = Assert.Throws<DatasetException>(() => new CocoDataset(Images(dir), Write(dir, json)));
        Assert.Contains("annotation 1001", e.Message);
        Assert.Contains("reaches x = 55.5, outside the image (0 to 53", e.Message);
    }

    [Fact]
    public void AMalformedPolygonNamesTheAnnotation()
    {
        using var dir = new TempDirectory();
        var json = Document();
        json["annotations"]![0]!["segmentation"]![0]!.AsArray().RemoveAt(0); // 5 values
        var e = Assert.Throws<DatasetException>(() => new CocoDataset(Images(dir), Write(dir, json)));
        Assert.Contains("annotation 1001", e.Message);
        Assert.Contains("polygon 0 has 5 values", e.Message);
    }

    [Fact]
    public void AMissingImageFileIsABadFile()
    {
        using var dir = new TempDirectory();
        var path = Write(dir, Document());
        var data = new CocoDataset(Images(dir), path);
        File.Delete(Path.Combine(Images(dir), "000000000285.png"));
        var e = Assert.Throws<BadFileException>(() => data.Get(1));
        Assert.Equal(1, e.Index);
        Assert.Contains("000000000285.png", e.Message);
    }

    [Fact]
    public void AnImageOfAnotherSizeThanTheFileSaysIsABadFile()
    {
        using var dir = new TempDirectory();
        var json = Document();
        json["images"]![0]!["width"] = 54;
        var data = new CocoDataset(Images(dir), Write(dir, json));
        var e = Assert.Throws<BadFileException>(() => data.Get(0));
        Assert.Contains("says image 139 is 37×54", e.Message);
    }

    private static long CountSet(Tensor mask)
    {
        using var sum = mask.To(ScalarType.Int64).Sum();
        return sum.Item<long>();
    }

    private static long CountDifferent(Tensor a, Tensor b)
    {
        using var ne = a.Ne(b);
        return CountSet(ne);
    }

    private static JsonObject Document() => JsonNode.Parse(File.ReadAllText(AnnotationFile))!.AsObject();

    // A copy of the fixture's images in the temporary folder (the tests delete some).
    private static string Images(TempDirectory dir)
    {
        var folder = Path.Combine(dir.Path, "val2017");
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
            foreach (var file in Directory.GetFiles(Path.Combine(Root, "val2017")))
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
        return folder;
    }

    private static string Write(TempDirectory dir, JsonObject json)
    {
        var path = dir.File("annotations/instances_val2017.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }
}
