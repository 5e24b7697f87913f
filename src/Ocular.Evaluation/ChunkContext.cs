using Ocular.Torch;

namespace Ocular.Evaluation;

/// <summary>One chunk of the evaluated images, with what every metric needs of it (owned by the evaluator).</summary>
internal sealed record ChunkContext(
    ModelScorer Scorer,
    Tensor Raw,
    Predictions Clean,
    Tensor Labels,
    Tensor? Masks,
    int Start,
    int Count,
    EvaluationSettings Settings,
    EvaluationPlan Plan,
    int Step);
