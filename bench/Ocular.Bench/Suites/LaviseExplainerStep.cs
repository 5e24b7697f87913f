using Ocular.Explain.Learned.Lavise;
using Ocular.Torch;
using Ocular.Torch.Optim;

namespace Ocular.Bench.Suites;

/// <summary>
/// One optimisation step of LaViSE's explainer on a batch of concept–mask pairs, written with the library's public pieces
/// as <c>LaviseSession.Step</c> does it: the explainer in training mode (train-mode batch norm, the default, §8.7), zero
/// grad, <see cref="LaviseNetwork.Forward"/>, the multi-hot targets of the pairs' concepts sliced to the seen columns,
/// <see cref="CsmrLoss.Compute"/>, backward, the optimizer's step; then what the trainer reads back per batch (its
/// <c>Totals</c>): the loss and the top-1 / top-5 word hits over the label columns.
/// </summary>
internal sealed class LaviseExplainerStep(LaviseNetwork network, Optimizer optimizer, ConceptVocabulary vocabulary, Tensor labelEmbeddings)
{
    private readonly long[] _seen = [.. vocabulary.SeenColumns.Select(c => (long)c)];

    /// <summary>The last step's loss.</summary>
    public double Loss { get; private set; } = double.NaN;

    /// <summary>Pairs whose nearest label column is one of their concept's words, over all steps.</summary>
    public long Top1 { get; private set; }

    /// <summary>Pairs with one of their concept's words among the five nearest columns, over all steps.</summary>
    public long Top5 { get; private set; }

    /// <summary>The pairs stepped on.</summary>
    public long Pairs { get; private set; }

    /// <summary>Steps on the pooled features <c>[B, d]</c> of pairs of the given concepts.</summary>
    public void Run(Tensor pooled, int[] concepts)
    {
        using var scope = DisposeScope.Enter();
        network.Train();
        optimizer.ZeroGrad();
        var predictions = network.Forward(pooled);
        var targets = vocabulary.Targets(concepts).IndexSelect(1, Tensor.FromArray(_seen, _seen.Length));
        var loss = CsmrLoss.Compute(predictions, targets, labelEmbeddings.IndexSelect(0, Tensor.FromArray(_seen, _seen.Length)));
        loss.Backward();
        optimizer.Step();
        Loss = loss.Item<float>();
        using var noGrad = Autograd.NoGrad();
        var (_, top) = CsmrLoss.Cosines(predictions, labelEmbeddings).TopK(5, 1);
        var ranks = top.ToArray<long>();
        for (var i = 0; i < concepts.Length; i++)
        {
            var words = vocabulary.ConceptColumns[concepts[i]];
            if (words.Contains((int)ranks[i * 5])) Top1++;
            if (Enumerable.Range(0, 5).Any(j => words.Contains((int)ranks[i * 5 + j]))) Top5++;
        }
        Pairs += concepts.Length;
    }
}
