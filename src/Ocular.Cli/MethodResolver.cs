using Ocular.Explain;
using Ocular.Explain.Baselines;
using Ocular.Vision.Models;

namespace Ocular.Cli;

/// <summary>
/// Turns the names given to <c>--methods</c> into explainer factories: Ocular's baselines
/// (<c>random</c>, <c>centre-gaussian</c>) here, every other method through the explainer registry.
/// </summary>
internal static class MethodResolver
{
    /// <summary>The baselines this resolver builds itself.</summary>
    public static IReadOnlyList<string> Baselines { get; } = [RandomExplainer.MethodName, CentreGaussianExplainer.MethodName];

    /// <summary>Every name <c>--methods</c> accepts.</summary>
    public static IReadOnlyList<string> Names => [.. Baselines, .. RegistryNames];

    // The post-hoc explainers (grad-cam, grad-cam++, score-cam, rise, …) come from Ocular.Explain's
    // ExplainerRegistry. WIRE HERE when it is on main: RegistryNames => ExplainerRegistry.Names, and in
    // Resolve: `_ when ExplainerRegistry.IsKnown(name) => model => ExplainerRegistry.Create(name, model, options)`.
    private static IReadOnlyList<string> RegistryNames => [];

    /// <summary>The factory for <paramref name="name"/>; <paramref name="seed"/> seeds stochastic methods.</summary>
    /// <exception cref="ArgumentException">Unknown name (the message lists the valid ones).</exception>
    public static Func<Classifier, IExplainer> Resolve(string name, ulong seed) => name.Trim().ToLowerInvariant() switch
    {
        RandomExplainer.MethodName => _ => new RandomExplainer(seed),
        CentreGaussianExplainer.MethodName => _ => new CentreGaussianExplainer(),
        _ => throw new ArgumentException($"unknown method '{name}'; valid methods: {string.Join(", ", Names)} (or evaluate maps made elsewhere with --maps NAME=FILE.npy)"),
    };
}
