using Ocular.Torch;

namespace Ocular.Evaluation;

/// <summary>The model's softmax output on the clean images: what every metric compares against.</summary>
public sealed class Predictions : IDisposable
{
    /// <summary>Softmax probabilities [N, K].</summary>
    public Tensor Probabilities { get; }

    /// <summary>The top-1 class of each image [N] (int64): the class the metrics score unless told otherwise.</summary>
    public Tensor Classes { get; }

    /// <summary>Y_i: the probability of the scored class on the clean image [N].</summary>
    public Tensor Confidence { get; }

    private Predictions(Tensor probabilities, Tensor classes)
    {
        Probabilities = probabilities;
        Classes = classes;
        using var index = classes.Unsqueeze(1);
        using var gathered = probabilities.Gather(1, index);
        Confidence = DisposeScope.Detach(gathered.Squeeze(1));
    }

    /// <summary>Scores raw [0, 1] images; the scored class is the top-1 prediction, or <paramref name="classes"/> when given.</summary>
    public static Predictions Of(ModelScorer model, Tensor rawImages, Tensor? classes = null)
    {
        var probabilities = DisposeScope.Detach(model.Probabilities(rawImages));
        var chosen = classes is null ? probabilities.Argmax(1) : classes.To(ScalarType.Int64, copy: true);
        if (chosen.Size(0) != probabilities.Size(0))
            throw new ArgumentException($"{chosen.Size(0)} classes given for {probabilities.Size(0)} images");
        return new Predictions(probabilities, DisposeScope.Detach(chosen));
    }

    /// <summary>The probability of the scored class in another set of probabilities [N, K] (e.g. of masked images) [N].</summary>
    public Tensor ScoredClassOf(Tensor probabilities)
    {
        using var index = Classes.Unsqueeze(1);
        using var gathered = probabilities.Gather(1, index);
        return gathered.Squeeze(1);
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Probabilities.Dispose();
        Classes.Dispose();
        Confidence.Dispose();
    }
}
