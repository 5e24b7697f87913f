using Ocular.Torch;
using Ocular.Vision.Data;
using Ocular.Vision.Interop;
using F = Ocular.Torch.Functional;

namespace Ocular.Vision.Datasets.Shapes;

/// <summary>
/// Shapes, the embedded synthetic data set: RGB images of coloured shapes on a textured, noisy
/// background, generated deterministically from a seed, with the ground truth of what decides each label.
/// </summary>
/// <remarks>
/// <para><b>Rules.</b> Every image holds exactly one <see cref="ShapeColour.Red"/> object — the evidence
/// object — and its shape is the class: class <c>k</c> is <c>(ShapeKind)k</c> (circle, square, triangle,
/// star, cross, ring, hexagon, heart; the first <see cref="ShapesOptions.Classes"/> are used). The
/// <see cref="ShapesOptions.MinDistractors"/>–<see cref="ShapesOptions.MaxDistractors"/> distractors take
/// any of the data set's shapes (the class's own shape included) and any colour but red (green, blue,
/// yellow, magenta, cyan), so neither a shape nor a colour alone decides the class: only the red object's
/// shape does. Labels cycle (<c>label = index mod Classes</c>), so classes are balanced.</para>
/// <para><b>Geometry.</b> Each object fits in a circle of radius 0.11–0.17 × the image size, with a random
/// rotation and a brightness of 0.85–1 × its colour; objects lie inside the image and never overlap (their
/// circles are at least max(2, size/32) pixels apart), so no object occludes another. Shapes are
/// rasterised by OpenCV without antialiasing: a pixel belongs to one object or to the background.</para>
/// <para><b>Image.</b> The background is a grey, low-saturation texture (two scales of bilinearly
/// upsampled uniform noise plus a faint colour tint); objects are painted flat on it, then Gaussian noise
/// of <see cref="ShapesOptions.NoiseStd"/> is added to every pixel and the result rounded to uint8.</para>
/// <para><b>Masks.</b> The evidence mask is exactly the red object's pixels (a ring's hole is not part of
/// it). The concept masks are, for every shape name of the data set and every colour name, the pixels of
/// the objects with that shape or colour (empty when none). Masks are bool <c>[H, W]</c> and <c>[K, H, W]</c>.</para>
/// <para><b>Determinism.</b> Image <c>i</c> comes from its own generator seeded with
/// <c>Seeds.ForItem(Seeds.Derive(Seed, split), i)</c>: any subset, order or thread count gives the same
/// bytes, and the test split is an independent stream. Generation needs no files and takes well under a
/// millisecond per 64×64 image.</para>
/// <para>Transforms applied to a sample move its masks along with a resize, a centre crop, a random resized crop or a
/// horizontal flip (so the data can be read at another input size and augmented); other geometric augmentation is
/// refused (see <see cref="Sample"/>).</para>
/// </remarks>
public sealed class ShapesDataset : IConceptDataset
{
    // RGB of each ShapeColour, chosen far from the grey background and from each other.
    private static readonly double[][] Palette =
    [
        [220, 30, 30], [30, 170, 50], [40, 70, 230], [235, 215, 30], [210, 50, 210], [30, 210, 220],
    ];

    private readonly ulong _stream;

    /// <summary>Creates the data set (nothing is generated until a sample is read).</summary>
    public ShapesDataset(ShapesOptions? options = null)
    {
        Options = options ?? new ShapesOptions();
        Options.Validate();
        _stream = Seeds.Derive(Options.Seed, 0x5348415045UL /* "SHAPE" */, (ulong)Options.Split);
        ClassNames = Enumerable.Range(0, Options.Classes).Select(k => Name((ShapeKind)k)).ToList();
        ConceptNames = [.. ClassNames, .. Enum.GetValues<ShapeColour>().Select(Name)];
    }

    /// <summary>The parameters.</summary>
    public ShapesOptions Options { get; }

    /// <inheritdoc />
    public int Count => Options.Count;

    /// <summary>The shape names of the classes, e.g. <c>circle</c>, <c>square</c>, ….</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The names of the concept masks: the class shapes, then the six colours.</summary>
    public IReadOnlyList<string> ConceptNames { get; }

    /// <summary>The concepts (<see cref="ConceptNames"/>): every sample carries all of them, some with an empty mask.</summary>
    public IReadOnlyList<string> Concepts => ConceptNames;

    /// <summary>The lower-case name of a shape (its class and concept name).</summary>
    public static string Name(ShapeKind shape) => shape.ToString().ToLowerInvariant();

    /// <summary>The lower-case name of a colour (its concept name).</summary>
    public static string Name(ShapeColour colour) => colour.ToString().ToLowerInvariant();

    /// <summary>The label of image <paramref name="index"/>.</summary>
    public int LabelOf(int index) => index % Options.Classes;

    /// <summary>The objects of image <paramref name="index"/> (the evidence object first), without drawing it.</summary>
    public IReadOnlyList<ShapesObject> Layout(int index)
    {
        DatasetChecks.Index(index, Count, "Shapes");
        using var generator = new Generator(Seeds.ForItem(_stream, index));
        return ShapesLayout.Place(Options, LabelOf(index), new UniformStream(generator));
    }

    /// <inheritdoc />
    public Sample Get(int index)
    {
        DatasetChecks.Index(index, Count, "Shapes");
        // A 64×64 image is too small for libtorch's OpenMP teams to pay off: they cost ~10× the CPU time.
        using var singleThreaded = NativeThreads.SingleThreaded();
        using var generator = new Generator(Seeds.ForItem(_stream, index));
        var objects = ShapesLayout.Place(Options, LabelOf(index), new UniformStream(generator));
        long s = Options.ImageSize;

        // Object j is drawn with value j + 1 into one map; 0 is the background.
        using var map = Tensor.Zeros([s, s], ScalarType.UInt8);
        for (var j = 0; j < objects.Count; j++) ShapeGeometry.Draw(map, objects[j], (byte)(j + 1));
        using var flatMap = map.View(s * s);
        using var ids = flatMap.To(ScalarType.Int64);

        // Per-pixel lookups in [rows, objects + 1] tables (index_select along dim 1 gives channel-major results).
        using var background = Background(generator, s);
        using var palette = Tensor.FromArray(ObjectColours(objects), 3, objects.Count + 1);
        using var paintedFlat = palette.IndexSelect(1, ids);
        using var painted = paintedFlat.View(3, s, s);
        using var isObject = map.Gt(0);
        using var composed = Tensor.Where(isObject, painted, background);
        using var noise = Tensor.Randn([3, s, s], generator);
        using var noisy = composed.Add(noise, Options.NoiseStd);
        using var clamped = noisy.Clamp(0.0, 255.0);
        using var rounded = clamped.Round();
        var image = rounded.To(ScalarType.UInt8);

        var evidence = map.Eq(1);
        // (A float table: index_select on bool tensors takes a much slower path in libtorch 1.13.)
        using var table = Tensor.FromArray(ConceptTable(objects), ConceptNames.Count, objects.Count + 1);
        using var conceptsFlat = table.IndexSelect(1, ids);
        using var conceptsKhw = conceptsFlat.View(ConceptNames.Count, s, s);
        var concepts = conceptsKhw.Gt(0.5);
        return new Sample(image, LabelOf(index), index, evidenceMask: evidence, conceptMasks: concepts, conceptNames: ConceptNames);
    }

    // A grey texture in [50, 180] plus a faint colour tint: a 4×4 uniform grid upsampled to 8×8, added to an
    // 8×8 uniform grid and a per-channel tint grid, then upsampled to the image size, both bilinearly
    // (F.interpolate(..., mode="bilinear")); one full-size interpolation keeps generation cheap.
    private static Tensor Background(Generator generator, long s)
    {
        using var coarseGrid = Tensor.Rand([1, 1, 4, 4], generator);
        using var fineGrid = Tensor.Rand([1, 1, 8, 8], generator);
        using var tintGrid = Tensor.Rand([1, 3, 8, 8], generator);
        using var coarse = F.Interpolate(coarseGrid, size: 8, mode: InterpolationMode.Bilinear, alignCorners: false);
        using var grey = coarse.Mul(70.0).Add(fineGrid, 30.0);
        using var tinted = tintGrid.Mul(30.0).Add(grey);
        using var shifted = tinted.Add(35.0); // 35 + 70 c + 30 f + 30 t ∈ [35, 165]
        using var full = F.Interpolate(shifted, size: s, mode: InterpolationMode.Bilinear, alignCorners: false);
        return full.Squeeze(0);
    }

    // [3, objects + 1]: column j + 1 = the colour of object j scaled by its brightness; column 0 (background) is unused.
    private static float[] ObjectColours(List<ShapesObject> objects)
    {
        var n = objects.Count + 1;
        var table = new float[3 * n];
        for (var j = 0; j < objects.Count; j++)
        {
            for (var c = 0; c < 3; c++)
                table[c * n + j + 1] = (float)(Palette[(int)objects[j].Colour][c] * objects[j].Brightness);
        }
        return table;
    }

    // [concepts, objects + 1]: column j + 1 marks object j's concepts (its shape, its colour); column 0 is the background.
    private float[] ConceptTable(List<ShapesObject> objects)
    {
        var n = objects.Count + 1;
        var table = new float[ConceptNames.Count * n];
        for (var j = 0; j < objects.Count; j++)
        {
            table[(int)objects[j].Shape * n + j + 1] = 1;
            table[(Options.Classes + (int)objects[j].Colour) * n + j + 1] = 1;
        }
        return table;
    }
}
