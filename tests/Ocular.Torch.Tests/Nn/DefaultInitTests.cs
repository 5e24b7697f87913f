using System.Text.Json;
using Ocular.Torch.Nn;

namespace Ocular.Torch.Tests.Nn;

/// <summary>
/// Layers built after <see cref="Engine.ManualSeed"/> draw PyTorch's numbers after
/// <c>torch.manual_seed</c> (fixtures tests/fixtures/nn/nested_model.safetensors and
/// default_init.safetensors). These use libtorch's global generator, hence the collection. Float32
/// draws from the same generator: tolerance 1e-6 relative (they are expected to be identical).
/// </summary>
[Collection(GlobalStateCollection.Name)]
public sealed class DefaultInitTests
{
    [Fact]
    public void NestedModelKeysOrderAndInitialWeightsEqualPyTorch()
    {
        using var fx = Fixtures.Load("nn", "nested_model.safetensors");
        Engine.ManualSeed(0);
        using var net = new NestedNet();
        var expectedKeys = JsonSerializer.Deserialize<string[]>(fx.Metadata["state_dict_keys"])!;
        var state = net.StateDict();
        try
        {
            Assert.Equal(expectedKeys, state.Keys);
            foreach (var (key, value) in state)
            {
                if (key.Contains("running_") || key.EndsWith("num_batches_tracked", StringComparison.Ordinal)) continue; // changed by the script
                NnAssert.Close(fx.Tensors["state." + key], value, 1e-6, 0, key);
            }
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    [Fact]
    public void LayerDefaultInitEqualsPyTorch()
    {
        using var fx = Fixtures.Load("nn", "default_init.safetensors");
        Engine.ManualSeed(7);
        using var conv = new Conv2d(3, 4, 3);
        using var linear = new Linear(5, 3);
        using var grouped = new Conv2d(4, 6, (3, 2), groups: 2, bias: false);
        using var bn = new BatchNorm2d(4);
        foreach (var (name, layer) in new (string, Module)[] { ("conv", conv), ("linear", linear), ("grouped", grouped), ("bn", bn) })
        {
            var state = layer.StateDict();
            Assert.Equal(fx.Tensors.Keys.Where(k => k.StartsWith(name + ".", StringComparison.Ordinal)).Order(), state.Keys.Select(k => name + "." + k).Order());
            foreach (var (key, value) in state)
            {
                NnAssert.Close(fx.Tensors[name + "." + key], value, 1e-6, 0, name + "." + key);
                value.Dispose();
            }
        }
    }

    [Fact]
    public void AGeneratorDrawsWhatTheSameGlobalSeedDraws()
    {
        Engine.ManualSeed(5);
        using var fromGlobal = new Linear(7, 4);
        using var g = new Generator(5);
        using var fromGenerator = new Linear(7, 4, generator: g);
        Assert.True(fromGlobal.Weight.Equal(fromGenerator.Weight));
        Assert.True(fromGlobal.Bias!.Equal(fromGenerator.Bias!));
    }
}
