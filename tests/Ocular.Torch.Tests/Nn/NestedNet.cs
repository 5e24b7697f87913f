using Ocular.Torch.Nn;

namespace Ocular.Torch.Tests.Nn;

/// <summary>conv → bn → relu plus the input (make_modules.py's Block).</summary>
internal sealed class NestedBlock : Module
{
    public NestedBlock(Generator? g)
    {
        Conv = RegisterModule("conv", new Conv2d(4, 4, 3, padding: 1, bias: false, generator: g));
        Bn = RegisterModule("bn", new BatchNorm2d(4));
        Relu = RegisterModule("relu", new ReLU());
    }

    public Conv2d Conv { get; }
    public BatchNorm2d Bn { get; }
    public ReLU Relu { get; }

    public override Tensor Forward(Tensor input)
    {
        using var c = Conv.Call(input);
        using var b = Bn.Call(c);
        using var r = Relu.Call(b);
        return r + input;
    }
}

/// <summary>
/// The nested model of tests/fixtures/nn/make_modules.py (Net), built in the same order so that the
/// same seed draws the same initial weights; <c>aux</c> is <c>head.2</c> registered a second time.
/// </summary>
internal sealed class NestedNet : Module
{
    public NestedNet(Generator? g = null)
    {
        Stem = RegisterModule("stem", new Sequential(new Conv2d(3, 4, 3, padding: 1, generator: g), new BatchNorm2d(4), new ReLU(inplace: true),
            new MaxPool2d(2), new AvgPool2d(3, stride: 1, padding: 1)));
        Blocks = RegisterModule("blocks", new ModuleList(new NestedBlock(g), new NestedBlock(g)));
        Pool = RegisterModule("pool", new AdaptiveAvgPool2d(1));
        Head = RegisterModule("head", new Sequential(new Flatten(), new Dropout(0.2), new Linear(4, 6, generator: g), new Sigmoid(),
            new BatchNorm1d(6), new Identity(), new Linear(6, 2, generator: g)));
        RegisterModule("aux", Head[2]);
    }

    public Sequential Stem { get; }
    public ModuleList Blocks { get; }
    public AdaptiveAvgPool2d Pool { get; }
    public Sequential Head { get; }

    public override Tensor Forward(Tensor input)
    {
        using var scope = DisposeScope.Enter();
        var x = Stem.Call(input);
        foreach (var block in Blocks.Items) x = block.Call(x);
        return scope.Keep(Head.Call(Pool.Call(x)));
    }
}
