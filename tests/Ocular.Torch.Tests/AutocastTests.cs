using Ocular.Torch.Nn;
using F = Ocular.Torch.Functional;

namespace Ocular.Torch.Tests;

/// <summary>
/// CPU autocast scopes (torch.autocast("cpu", dtype=torch.bfloat16)): they nest and restore the state they found;
/// inside, convolutions and linear layers compute in bfloat16 from float32 weights (within bfloat16's 8-bit mantissa of
/// the float32 result); the precision policy picks bf16 for auto only with native bfloat16, with one notice otherwise.
/// </summary>
[Collection(GlobalStateCollection.Name)]
public class AutocastTests
{
    [Fact]
    public void ScopesNestAndRestore()
    {
        Assert.False(Autocast.IsEnabled);
        using (Autocast.Enter())
        {
            Assert.True(Autocast.IsEnabled);
            Assert.Equal(ScalarType.BFloat16, Autocast.DType);
            using (Autocast.Enter(enabled: false))
                Assert.False(Autocast.IsEnabled);
            Assert.True(Autocast.IsEnabled);
        }
        Assert.False(Autocast.IsEnabled);
        Assert.Throws<ArgumentException>(() => Autocast.Enter(ScalarType.Float16));
        Assert.False(Autocast.IsEnabled);
    }

    [Fact]
    public void ConvolutionsAndLinearLayersRunInBfloat16()
    {
        Engine.ManualSeed(5);
        using var conv = new Conv2d(3, 8, 3, padding: 1);
        using var linear = new Linear(8, 4);
        using var x = Tensor.Randn([2, 3, 8, 8]);
        using var full = conv.Call(x);
        using var fullOut = linear.Call(full.Mean([2, 3]));
        using (Autocast.Enter())
        {
            using var low = conv.Call(x);
            Assert.Equal(ScalarType.BFloat16, low.DType);
            using var lowOut = linear.Call(low.Mean([2, 3]));
            Assert.Equal(ScalarType.BFloat16, lowOut.DType);
            Assert.Equal(ScalarType.Float32, conv.Weight.DType);   // the master weights stay float32
            // bfloat16 keeps 8 bits of mantissa: 2^-8 relative, on values of order 1.
            using var diff = low.To(ScalarType.Float32).Sub(full).Abs().Max();
            Assert.InRange(diff.Item<float>(), 1e-6f, 0.05f);
        }
        using var after = conv.Call(x);
        Assert.Equal(ScalarType.Float32, after.DType);
    }

    [Fact]
    public void TheGradientReachesFloat32WeightsThroughABfloat16Forward()
    {
        Engine.ManualSeed(6);
        using var conv = new Conv2d(3, 4, 3);
        using var x = Tensor.Randn([2, 3, 6, 6]);
        GradientReachesFloat32Weights(conv, x);
    }

    // A bf16 forward of conv on x and a float32 loss: the weight's gradient is float32 and not zero.
    private static void GradientReachesFloat32Weights(Conv2d conv, Tensor x)
    {
        using (Autocast.Enter())
        {
            using var y = conv.Call(x);
            using var loss = y.To(ScalarType.Float32).Square().Mean();
            loss.Backward();
        }
        using var grad = conv.Weight.Grad!;
        Assert.Equal(ScalarType.Float32, grad.DType);
        Assert.True(grad.Abs().Sum().Item<float>() > 0);
    }

    [Fact]
    public void Bfloat16TrainsChannelsLastAndFloat32StaysNchw()
    {
        Engine.ManualSeed(7);
        using var x = Tensor.Randn([2, 3, 6, 6]);
        var bf16 = new ResolvedPrecision(Precision.Bf16, Precision.Bf16, null);
        var fp32 = new ResolvedPrecision(Precision.Fp32, Precision.Fp32, null);
        using (var conv = new Conv2d(3, 4, 3))
        {
            fp32.PrepareForTraining(conv);
            Assert.True(conv.Weight.IsContiguous);
            using var nchw = fp32.TrainingInput(x);
            Assert.True(nchw.IsContiguous);
        }
        using var model = new Conv2d(3, 4, 3);
        using var before = model.Weight.Clone();
        bf16.PrepareForTraining(model);
        Assert.True(model.Weight.IsChannelsLast);
        Assert.True(model.Weight.Equal(before));
        using var input = bf16.TrainingInput(x);
        Assert.True(input.IsChannelsLast);
        Assert.True(input.Equal(x));
        GradientReachesFloat32Weights(model, input);
    }

    [Fact]
    public void AutoPicksBfloat16OnlyWhereItIsNative()
    {
        var saved = Environment.GetEnvironmentVariable(CpuFeatures.NativeBf16Variable);
        try
        {
            Environment.SetEnvironmentVariable(CpuFeatures.NativeBf16Variable, "0");
            var auto = ResolvedPrecision.Resolve(Precision.Auto);
            Assert.Equal(Precision.Fp32, auto.Effective);
            Assert.Contains("no native bfloat16", auto.Notice);
            var forced = ResolvedPrecision.Resolve(Precision.Bf16);
            Assert.Equal(Precision.Bf16, forced.Effective);
            Assert.Contains("emulated and slower than float32", forced.Notice);
            Assert.Null(auto.Enter());
            Environment.SetEnvironmentVariable(CpuFeatures.NativeBf16Variable, "1");
            var native = ResolvedPrecision.Resolve(Precision.Auto);
            Assert.Equal(("bf16", (string?)null), (native.Name, native.Notice));
            using (native.Enter()) Assert.True(Autocast.IsEnabled);
            Assert.Equal(Precision.Fp32, ResolvedPrecision.Resolve(Precision.Fp32).Effective);
        }
        finally
        {
            Environment.SetEnvironmentVariable(CpuFeatures.NativeBf16Variable, saved);
        }
        Assert.Equal(Precision.Bf16, ResolvedPrecision.Parse("BF16"));
        Assert.Equal("--precision must be fp32, bf16 or auto, got 'fp16'", Assert.Throws<ArgumentException>(() => ResolvedPrecision.Parse("fp16")).Message);
    }

    [Fact]
    public void TheCapabilityIsReported()
    {
        Assert.Contains(CpuFeatures.AtenCapability, new[] { "DEFAULT", "AVX2", "AVX512" });
        if (File.Exists("/proc/cpuinfo")) Assert.NotEmpty(CpuFeatures.ProcessorFlags);
    }
}
