using Ocular.Torch;
using Ocular.Torch.Serialization;
using Ocular.Vision.Transforms;

namespace Ocular.Vision.Tests;

/// <summary>
/// Transforms against torchvision 0.14 (tests/fixtures/images/transforms.safetensors; random transforms after
/// torch.manual_seed(seed), here with <c>new Generator(seed)</c>). Tolerances: uint8 outputs exact; float32
/// outputs within 1e-6 (the same libtorch kernels run on both sides, so they are in practice identical).
/// </summary>
public sealed class TransformTests : IDisposable
{
    private const double FloatTolerance = 1e-6;
    private readonly SafeTensors.Contents _fx = Fixtures.Load("images", "transforms.safetensors");

    public void Dispose() => _fx.Dispose();

    private Tensor Fx(string name) => _fx.Tensors[name];

    private Tensor Input(string tag) => Fx(tag == "u8" ? "img" : "imgf");

    private static void AssertMatches(Tensor expected, Tensor actual)
    {
        if (expected.DType.IsFloatingPoint()) Fixtures.AssertClose(expected, actual, FloatTolerance);
        else Fixtures.AssertEqual(expected, actual);
    }

    private void AssertTransform(string expected, ITransform transform, Tensor input, ulong? seed = null)
    {
        using var generator = seed is { } s ? new Generator(s) : null;
        using var output = transform.Apply(input, generator);
        Assert.NotSame(input, output);
        AssertMatches(Fx(expected), output);
    }

    [Theory]
    [InlineData("u8")]
    [InlineData("f32")]
    public void ResizeMatchesTorchvision(string tag)
    {
        var x = Input(tag);
        AssertTransform($"resize_short24_{tag}", new Resize(24), x);
        AssertTransform($"resize_short45_{tag}", new Resize(45), x);
        AssertTransform($"resize_short20_max25_{tag}", new Resize(20, maxSize: 25), x);
        AssertTransform($"resize_17x23_{tag}", new Resize((17, 23)), x);
        AssertTransform($"resize_bicubic_17x23_{tag}", new Resize((17, 23), InterpolationMode.Bicubic), x);
        AssertTransform($"resize_nearest_17x23_{tag}", new Resize((17, 23), InterpolationMode.Nearest), x);
    }

    [Fact]
    public void ResizeOfABatchMatchesTorchvision() => AssertTransform("resize_short24_batch", new Resize(24), Fx("batch"));

    [Theory]
    [InlineData(30, 40, 24, null, 24, 32)]
    [InlineData(40, 30, 24, null, 32, 24)]
    [InlineData(30, 40, 20, 25L, 19, 25)]
    [InlineData(333, 500, 224, null, 224, 336)]
    [InlineData(500, 333, 256, null, 384, 256)]
    public void ResizedOutputSizeFollowsTorchvision(long h, long w, long size, long? maxSize, long expectedH, long expectedW) =>
        Assert.Equal(new Pair(expectedH, expectedW), ImageFunctional.ResizedOutputSize(h, w, size, maxSize));

    [Fact]
    public void ResizeToTheSameSizeReturnsANewObject()
    {
        using var same = new Resize((30, 40)).Apply(Fx("img"));
        Assert.NotSame(Fx("img"), same);
        Fixtures.AssertEqual(Fx("img"), same);
    }

    [Fact]
    public void CenterCropMatchesTorchvisionIncludingPadding()
    {
        AssertTransform("center_crop_21x27", new CenterCrop((21, 27)), Fx("img"));
        AssertTransform("center_crop_35", new CenterCrop(35), Fx("img"));
        AssertTransform("center_crop_50x50", new CenterCrop((50, 50)), Fx("img"));
        AssertTransform("center_crop_20_batch", new CenterCrop(20), Fx("batch"));
    }

    public static TheoryData<string, int> CropCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in new[] { "pad4", "reflect", "edge_if_needed", "symmetric_fill", "constant_fill7" })
            for (var seed = 0; seed < 3; seed++) data.Add(name, seed);
        return data;
    }

    [Theory]
    [MemberData(nameof(CropCases))]
    public void RandomCropMatchesTorchvision(string name, int seed)
    {
        ITransform crop = name switch
        {
            "pad4" => new RandomCrop(20, padding: 4),
            "reflect" => new RandomCrop((25, 35), padding: (2L, 3L), paddingMode: PaddingMode.Reflect),
            "edge_if_needed" => new RandomCrop((36, 44), padIfNeeded: true, paddingMode: PaddingMode.Edge),
            "symmetric_fill" => new RandomCrop(24, padding: (1L, 2L, 3L, 4L), paddingMode: PaddingMode.Symmetric),
            _ => new RandomCrop(24, padding: (1L, 2L, 3L, 4L), fill: 7),
        };
        AssertTransform($"random_crop_{name}_s{seed}", crop, Fx("img"), (ulong)seed);
    }

    private static RandomResizedCrop Rrc(string name) => name switch
    {
        "default16" => new RandomResizedCrop(16),
        "custom20x12" => new RandomResizedCrop((20, 12), scale: (0.5, 0.9), ratio: (0.5, 2.0)),
        _ => new RandomResizedCrop(16, scale: (2.0, 3.0), ratio: (0.5, 1.0)),
    };

    public static TheoryData<string, int> RrcCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in new[] { "default16", "custom20x12", "fallback" })
            for (var seed = 0; seed < 5; seed++) data.Add(name, seed);
        return data;
    }

    [Theory]
    [MemberData(nameof(RrcCases))]
    public void RandomResizedCropMatchesTorchvision(string name, int seed)
    {
        var t = Rrc(name);
        using (var generator = new Generator((ulong)seed))
        {
            var (top, left, h, w) = RandomResizedCrop.GetParams(30, 40, t.Scale, t.Ratio, generator);
            Assert.Equal(Fx($"rrc_{name}_s{seed}_params").ToArray<long>(), new[] { top, left, h, w });
        }
        AssertTransform($"rrc_{name}_s{seed}_u8", t, Fx("img"), (ulong)seed);
        AssertTransform($"rrc_{name}_s{seed}_f32", t, Fx("imgf"), (ulong)seed);
    }

    [Fact]
    public void RandomHorizontalFlipMatchesTorchvision()
    {
        var flip = new RandomHorizontalFlip();
        var flipped = 0;
        for (var seed = 0; seed < 6; seed++)
        {
            AssertTransform($"hflip_s{seed}", flip, Fx("img"), (ulong)seed);
            if (!Fx($"hflip_s{seed}").Equal(Fx("img"))) flipped++;
        }
        Assert.InRange(flipped, 1, 5); // the seeds cover both outcomes

        using var generator = new Generator(7);
        var outputs = Enumerable.Range(0, 4).Select(_ => flip.Apply(Fx("img"), generator)).ToArray();
        using var sequence = Tensor.Stack(outputs);
        foreach (var o in outputs) o.Dispose();
        Fixtures.AssertEqual(Fx("hflip_sequence_s7"), sequence);

        AssertTransform("hflip_p1", new RandomHorizontalFlip(1.0), Fx("img"), 0);
    }

    [Fact]
    public void NormalizeAndToTensorMatchTorchvision()
    {
        AssertTransform("to_tensor", new ToTensor(), Fx("img"));
        AssertTransform("normalize", Normalize.ImageNet(), Fx("imgf"));
        using var u8 = Tensor.Zeros([3, 2, 2], ScalarType.UInt8);
        Assert.Throws<ArgumentException>(() => Normalize.ImageNet().Apply(u8));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void ComposeMatchesTorchvision(int seed)
    {
        var pipeline = new Compose(new RandomResizedCrop(16), new RandomHorizontalFlip(), new ToTensor(), Normalize.ImageNet());
        AssertTransform($"compose_s{seed}", pipeline, Fx("img"), (ulong)seed);
    }

    [Fact]
    public void SeededTransformsAreReproducibleAndLeaveTheInputAlone()
    {
        var t = new Compose(new RandomCrop(20, padding: 4), new RandomHorizontalFlip());
        using var before = Fx("img").Clone();
        using var g1 = new Generator(11);
        using var g2 = new Generator(11);
        using var a = t.Apply(Fx("img"), g1);
        using var b = t.Apply(Fx("img"), g2);
        Fixtures.AssertEqual(a, b);
        Fixtures.AssertEqual(before, Fx("img"));
    }

    [Fact]
    public void EmptyComposeReturnsANewObject()
    {
        using var output = new Compose().Apply(Fx("img"));
        Assert.NotSame(Fx("img"), output);
        Fixtures.AssertEqual(Fx("img"), output);
    }

    [Fact]
    public void RandomCropRejectsACropLargerThanTheImage()
    {
        var e = Assert.Throws<ArgumentException>(() => new RandomCrop(50).Apply(Fx("img")));
        Assert.Contains("larger than the image", e.Message);
    }
}
