using Ocular.Torch;

namespace Ocular.Vision.Datasets.Coco;

/// <summary>
/// MS COCO instances as a concept data set (lavise.md §3.2): <c>ROOT/train2017/</c> or <c>val2017/</c> images with
/// <c>ROOT/annotations/instances_{train,val}2017.json</c>, read as published.
/// </summary>
/// <remarks>
/// <para><b>Samples.</b> One sample per image that has at least one annotation, in ascending image id (images without
/// annotations — about 1 % of COCO 2017 — are skipped). The image is RGB uint8 <c>[3, H, W]</c> at its own size (a
/// grey-scale file is expanded to RGB); its size must be the one the annotation file states.</para>
/// <para><b>Concepts.</b> K = the image's annotations in file order (pycocotools' <c>getAnnIds</c> order), crowd ones
/// included as the original code includes them: <c>ConceptMasks[k]</c> is annotation k's mask, bool <c>[K, H, W]</c>
/// indexed <c>[y, x]</c>, decoded as pycocotools' <c>annToMask</c> does — polygons with pycocotools' own rasteriser
/// (<see cref="CocoPolygon"/>, bit for bit; not OpenCV's <c>fillPoly</c>), the parts of one object united, uncompressed
/// and compressed RLE decoded column-major — and <c>ConceptNames[k]</c> its category's name (a name repeats when an image
/// has several instances of a category). The original forms one training pair per annotation; so can the caller,
/// from the K masks.</para>
/// <para><b>Not a classifier data set.</b> <see cref="ClassNames"/> is empty and every <c>Label</c> is −1; the
/// category names are <see cref="Concepts"/>, in category-id order.</para>
/// <para>Masks are decoded when a sample is read; the annotation file is read and checked once, when the data set is
/// created (<see cref="CocoInstances"/>: a file that is not COCO instances, an unknown category or image, or a mask that
/// does not fit its image is an error naming the annotation).</para>
/// </remarks>
public sealed class CocoDataset : IConceptDataset
{
    private readonly Func<string, Tensor> _loader;
    private readonly List<(CocoImage Image, CocoAnnotation[] Annotations)> _samples;
    private readonly Dictionary<long, string> _categoryNames;

    /// <summary>Reads the annotation file and lists the annotated images.</summary>
    /// <param name="imageDirectory">The folder of the split's images (e.g. <c>ROOT/val2017</c>).</param>
    /// <param name="annotationFile">The instances file (e.g. <c>ROOT/annotations/instances_val2017.json</c>).</param>
    /// <param name="loader">Decodes one file into a uint8 <c>[3, H, W]</c> tensor; null: <see cref="Images.ImageIO.Read"/> as RGB.</param>
    /// <param name="progress">Told (bytes read, file length) while the annotation file is read.</param>
    /// <exception cref="DatasetException">The folder or file is missing, or the file is not valid COCO instances (see <see cref="CocoInstances.Read"/>).</exception>
    public CocoDataset(string imageDirectory, string annotationFile, Func<string, Tensor>? loader = null, Action<long, long>? progress = null)
    {
        _loader = loader ?? ImageFolderDataset.DefaultLoader;
        ImageDirectory = DatasetChecks.Directory(imageDirectory, "COCO image folder");
        Instances = CocoInstances.Read(annotationFile, progress);
        Concepts = [.. Instances.Categories.Select(c => c.Name)];
        _categoryNames = Instances.Categories.ToDictionary(c => c.Id, c => c.Name);
        var byImage = Instances.Annotations.GroupBy(a => a.ImageId).ToDictionary(g => g.Key, g => g.ToArray());
        _samples = [.. Instances.Images.Where(i => byImage.ContainsKey(i.Id)).OrderBy(i => i.Id).Select(i => (i, byImage[i.Id]))];
    }

    /// <summary>The folder of the images (absolute).</summary>
    public string ImageDirectory { get; }

    /// <summary>The annotation file's content.</summary>
    public CocoInstances Instances { get; }

    /// <inheritdoc/>
    public int Count => _samples.Count;

    /// <summary>Empty: COCO instances are not a classification data set (every label is −1).</summary>
    public IReadOnlyList<string> ClassNames => [];

    /// <summary>The category names in category-id order (COCO 2017: the 80 names, <c>person</c> … <c>toothbrush</c>).</summary>
    public IReadOnlyList<string> Concepts { get; }

    /// <summary>The image of sample <paramref name="index"/>.</summary>
    public CocoImage ImageOf(int index)
    {
        DatasetChecks.Index(index, Count, $"the COCO data set '{Instances.Path}'");
        return _samples[index].Image;
    }

    /// <summary>The annotations of sample <paramref name="index"/>, in the order of its concept masks.</summary>
    public IReadOnlyList<CocoAnnotation> AnnotationsOf(int index)
    {
        DatasetChecks.Index(index, Count, $"the COCO data set '{Instances.Path}'");
        return _samples[index].Annotations;
    }

    /// <inheritdoc/>
    public Sample Get(int index)
    {
        DatasetChecks.Index(index, Count, $"the COCO data set '{Instances.Path}'");
        var (info, annotations) = _samples[index];
        var path = System.IO.Path.Combine(ImageDirectory, info.FileName);
        var image = FileLoading.Load(_loader, path, index);
        if (image.Size(1) != info.Height || image.Size(2) != info.Width)
        {
            var shape = Tensor.ShapeString(image.Shape);
            image.Dispose();
            throw new BadFileException(path, index, new InvalidDataException(
                $"the image is {shape}, but {Instances.Path} says image {info.Id} is {info.Height}×{info.Width}"));
        }
        try
        {
            return new Sample(image, -1, index, path, conceptMasks: Masks(annotations, info.Height, info.Width),
                conceptNames: [.. annotations.Select(a => _categoryNames[a.CategoryId])]);
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    // The K masks decoded side by side in column-major planes [K, W, H], then turned to [K, H, W] in one copy.
    private static Tensor Masks(CocoAnnotation[] annotations, int height, int width)
    {
        var plane = height * width;
        var columns = new bool[annotations.Length * plane];
        for (var k = 0; k < annotations.Length; k++)
            annotations[k].Segmentation.DecodeInto(columns.AsSpan(k * plane, plane), height, width);
        using var kxy = Tensor.FromArray(columns, annotations.Length, width, height);
        using var kyx = kxy.Transpose(1, 2);
        return kyx.Contiguous();
    }
}
