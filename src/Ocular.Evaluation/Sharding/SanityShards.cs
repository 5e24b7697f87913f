using Ocular.Evaluation.Metrics;
using Ocular.Torch;
using Ocular.Torch.Distributed;
using Ocular.Vision.Models;

namespace Ocular.Evaluation.Sharding;

/// <summary>
/// The sanity check of every explainer method, its cascade steps dealt to the ranks: step k of the i-th method is
/// computed by rank (i·K + k) mod W, every rank holding the same first images, classes and trained-model maps; the
/// steps' correlations are then exchanged, so every rank gets every method's whole cascade. Each step is computed as
/// one process computes it (<see cref="SanityCheck.EvaluateSteps"/>), so the result is the single run's.
/// </summary>
internal static class SanityShards
{
    public static Dictionary<string, SanityCheck.Result> Run(Classifier model, IReadOnlyList<MethodSource> explainers, Tensor images, Tensor targets,
        IReadOnlyDictionary<string, Tensor> maps, EvaluationSettings settings, ProcessGroup? group, Action<string, int, int> progress)
    {
        var (rank, world) = (group?.Rank ?? 0, group?.WorldSize ?? 1);
        var steps = SanityCheck.CascadeLayers(model).Count;
        var mine = new List<(int Method, int Step, SanityCheck.LayerResult Result)>();
        for (var i = 0; i < explainers.Count; i++)
        {
            var method = explainers[i];
            var first = i * steps;
            var done = SanityCheck.EvaluateSteps(model, method.Factory!, images, targets, k => (first + k) % world == rank, settings.Seed, maps[method.Name],
                batchSize: settings.ChunkSize, progress: (k, layers) => progress(method.Name, k, layers));
            mine.AddRange(done.Select(s => (i, s.Step, s.Result)));
        }
        var all = group is null ? mine : Exchange(group, mine);
        return Enumerable.Range(0, explainers.Count).ToDictionary(i => explainers[i].Name,
            i => new SanityCheck.Result([.. all.Where(s => s.Method == i).OrderBy(s => s.Step).Select(s => s.Result)]));
    }

    private static List<(int Method, int Step, SanityCheck.LayerResult Result)> Exchange(ProcessGroup group, List<(int Method, int Step, SanityCheck.LayerResult Result)> mine)
    {
        var w = new PayloadWriter();
        w.Int(mine.Count);
        foreach (var (method, step, result) in mine)
        {
            w.Int(method);
            w.Int(step);
            w.String(result.Layer);
            w.Doubles(result.PerImage);
            w.Double(result.Mean);
        }
        var all = new List<(int, int, SanityCheck.LayerResult)>();
        foreach (var payload in RankPayloads.AllGather(group, w.ToArray()))
        {
            var r = new PayloadReader(payload);
            for (int k = 0, n = r.Int(); k < n; k++)
                all.Add((r.Int(), r.Int(), new SanityCheck.LayerResult(r.String()!, r.Doubles(), r.Double())));
        }
        return all;
    }
}
