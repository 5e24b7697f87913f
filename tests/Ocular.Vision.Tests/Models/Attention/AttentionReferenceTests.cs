using Ocular.Torch;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Attention;
using F = Ocular.Torch.Functional;

namespace Ocular.Vision.Tests.Models.Attention;

/// <summary>
/// LFI-CAM and ABN against the original modules run by tests/fixtures/lficam/make_reference.py (LFI-CAM 4ba02df, ABN
/// 5e41878), with every weight and input from <see cref="ModelFormula"/> in Ocular's state-dict order: eval-mode logits
/// and maps, then the training-mode loss and gradients of conv1, fc and the branch's first convolution.
/// </summary>
public class AttentionReferenceTests
{
    private const int Classes = 5;

    public static TheoryData<string> Cases => new("lficam_resnet10", "lficam_cifar_resnet20", "lficam_cifar_resnet44", "abn_resnet10", "abn_cifar_resnet20");

    private static AttentionClassifier Build(string name) => name switch
    {
        // The fixture's ImageNet-file backbone with BasicBlock × [1, 1, 1, 1]: conv1 stride 1 for LFI-CAM, 2 for ABN.
        "lficam_resnet10" => new LfiCam(name, new ResNet("resnet10", ResidualBlockKind.Basic, [1, 1, 1, 1], Classes, stemStride: 1), FinReluPattern.AfterEveryBn),
        "abn_resnet10" => new Abn(name, new ResNet("resnet10", ResidualBlockKind.Basic, [1, 1, 1, 1], Classes)),
        _ => (AttentionClassifier)ModelZoo.Create(name, Classes),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheOriginalModules(string name)
    {
        using var expected = Fixtures.Load("lficam", "reference.safetensors");
        Tensor E(string key) => expected.Tensors[name + "." + key];
        using var model = Build(name);
        ModelFormula.Apply(model);
        var size = name.Contains("cifar", StringComparison.Ordinal) ? 32 : 224;
        using var x = ModelFormula.Input(2, 3, size);

        model.Eval();
        using (Autograd.NoGrad())
        using (var output = model.ForwardWithAttention(x))
        {
            TensorAssert.Close(E("logits"), output.Logits, what: name + " logits");
            TensorAssert.Close(E("map"), output.Map, what: name + " map");
            if (model is Abn) TensorAssert.Close(E("branch_logits"), output.BranchLogits!, what: name + " branch logits");
            else Assert.Null(output.BranchLogits);
            // Forward (the logits alone) is the same pass.
            using var logits = model.Call(x);
            TensorAssert.Close(output.Logits, logits, rtol: 0, atol: 0, what: name + " Forward");
        }

        model.Train();
        model.ZeroGrad();
        using var labels = Tensor.FromArray(new long[] { 1, 3 }, 2);
        using (var output = model.ForwardWithAttention(x))
        using (var loss = model.Loss(output, labels))
        {
            Assert.Equal(E("loss").Item<float>(), loss.Item<float>(), 1e-4f);
            loss.Backward();
        }
        var parameters = model.NamedParameters().ToDictionary(p => p.Path, p => p.Parameter);
        TensorAssert.Close(E("grad.conv1.weight"), parameters["conv1.weight"].Grad!, rtol: 1e-3, atol: 1e-3, what: name + " conv1 gradient");
        TensorAssert.Close(E("grad.fc.weight"), parameters["fc.weight"].Grad!, rtol: 1e-3, atol: 1e-3, what: name + " fc gradient");
        var branch = parameters[model is Abn ? "att_conv.weight" : "att_conv1.weight"].Grad!;
        using var head = branch.Narrow(0, 0, Math.Min(8, branch.Size(0)));
        TensorAssert.Close(E("grad.branch_conv.head"), head, rtol: 1e-3, atol: 1e-3, what: name + " branch gradient");
        using var sum = branch.To(ScalarType.Float64).Sum();
        var expectedSum = E("grad.branch_conv.sum").Item<double>();
        using var absSum = branch.Abs().Sum();
        Assert.True(Math.Abs(sum.Item<double>() - expectedSum) <= 1e-3 * absSum.Item<float>(), $"{name}: branch gradient sum {sum.Item<double>()} vs {expectedSum}");
    }
}
