using System.Globalization;
using System.Text.Json;
using Ocular.Torch.Nn;

namespace Ocular.Torch.Tests.Nn;

/// <summary>
/// torch.nn.init's formulas and draws (fixture tests/fixtures/nn/init_functions.safetensors: each
/// function applied right after torch.manual_seed(seed); here a fresh generator with that seed).
/// Float32: tolerance 1e-6 relative (the draws are expected to be identical).
/// </summary>
public sealed class InitTests
{
    public static TheoryData<string, ulong, long[]> Cases => new()
    {
        { "kaiming_uniform_fan_out", 1, [8, 4, 3, 3] },
        { "kaiming_uniform_default", 11, [6, 5] },
        { "kaiming_normal_relu", 2, [16, 5] },
        { "kaiming_normal_fan_out", 12, [5, 3, 2, 2] },
        { "xavier_uniform", 3, [6, 10] },
        { "xavier_normal", 4, [4, 3, 5, 5] },
        { "normal", 5, [20] },
        { "normal_small", 15, [7] },
        { "uniform", 6, [7, 3] },
        { "constant", 0, [3, 2] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void InitFunctionsDrawPyTorchsNumbers(string name, ulong seed, long[] shape)
    {
        using var fx = Fixtures.Load("nn", "init_functions.safetensors");
        using var g = new Generator(seed);
        using var t = Tensor.Empty(shape);
        var result = name switch
        {
            "kaiming_uniform_fan_out" => Init.KaimingUniform_(t, a: 0.1, mode: Init.FanMode.FanOut, nonlinearity: "leaky_relu", generator: g),
            "kaiming_uniform_default" => Init.KaimingUniform_(t, generator: g),
            "kaiming_normal_relu" => Init.KaimingNormal_(t, mode: Init.FanMode.FanIn, nonlinearity: "relu", generator: g),
            "kaiming_normal_fan_out" => Init.KaimingNormal_(t, mode: Init.FanMode.FanOut, nonlinearity: "relu", generator: g),
            "xavier_uniform" => Init.XavierUniform_(t, gain: Init.CalculateGain("relu"), generator: g),
            "xavier_normal" => Init.XavierNormal_(t, gain: 0.5, generator: g),
            "normal" => Init.Normal_(t, mean: 1.0, std: 0.5, generator: g),
            "normal_small" => Init.Normal_(t, mean: -1.0, std: 2.0, generator: g),
            "uniform" => Init.Uniform_(t, -2.0, 3.0, g),
            "constant" => Init.Constant_(t, 0.25),
            _ => throw new ArgumentException(name),
        };
        Assert.Same(t, result);
        NnAssert.Close(fx.Tensors[name], t, 1e-6, 0, name);
    }

    [Fact]
    public void GainsEqualPyTorch()
    {
        using var fx = Fixtures.Load("nn", "init_functions.safetensors");
        var gains = JsonSerializer.Deserialize<Dictionary<string, string>>(fx.Metadata["gains"])!;
        foreach (var (key, text) in gains)
        {
            var expected = double.Parse(text, CultureInfo.InvariantCulture);
            var actual = key == "leaky_relu_0.2" ? Init.CalculateGain("leaky_relu", 0.2) : Init.CalculateGain(key);
            Assert.Equal(expected, actual);
        }
        Assert.Throws<ArgumentException>(() => Init.CalculateGain("softmax"));
    }

    [Fact]
    public void FansFollowPyTorch()
    {
        using var conv = Tensor.Empty([8, 4, 3, 2]);
        Assert.Equal((24L, 48L), Init.CalculateFanInAndFanOut(conv));
        using var vector = Tensor.Empty([5]);
        Assert.Throws<ArgumentException>(() => Init.CalculateFanInAndFanOut(vector));
    }

    [Fact]
    public void InitDoesNotRecordGradients()
    {
        using var p = new Parameter(Tensor.Empty([3, 3]));
        using var g = new Generator(1);
        Init.KaimingNormal_(p, generator: g);
        Assert.True(p.IsLeaf);
        Assert.True(p.RequiresGrad);
    }
}
