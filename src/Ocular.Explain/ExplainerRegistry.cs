using Ocular.Explain.Baselines;
using Ocular.Explain.Learned.AttentionMap;
using Ocular.Explain.Learned.LCam;
using Ocular.Explain.Learned.Lvw;
using Ocular.Explain.Methods;
using Ocular.Vision.Models;
using Ocular.Vision.Models.Attention;

namespace Ocular.Explain;

/// <summary>A registered explanation method.</summary>
/// <param name="Name">Its name on the command line and in files (<c>grad-cam++</c>, <c>score-cam</c>, <c>l-cam</c>).</param>
/// <param name="Description">One line saying what it is.</param>
/// <param name="Kind">"gradient", "activation", "perturbation", "baseline" or "learned".</param>
/// <param name="UsesLayers">Whether <see cref="ExplainerOptions.Layers"/> applies (the CAM family).</param>
/// <param name="Create">Builds it for a classifier (the options are already validated).</param>
/// <param name="UsesUpsampling">
/// Whether <see cref="ExplainerOptions.Upsampling"/> changes its maps (Score-CAM's masks); the other methods accept
/// either value and ignore it, so the CLI can say so rather than let a user believe it changed something.
/// </param>
public sealed record ExplainerInfo(string Name, string Description, string Kind, bool UsesLayers, Func<Classifier, ExplainerOptions, IExplainer> Create,
    bool UsesUpsampling = false);

/// <summary>
/// Every explanation method by name: <c>ocular explain</c> and <c>ocular evaluate</c> create explainers here.
/// Names match case-insensitively and ignore '-', '_' and spaces (<c>GradCAM++</c> = <c>grad-cam++</c>).
/// Learned explainers add themselves with <see cref="Register"/>.
/// </summary>
public static class ExplainerRegistry
{
    private static readonly Lock Gate = new();
    private static readonly List<ExplainerInfo> Entries =
    [
        new("cam", "CAM: classifier weights × the maps pooled into it (Zhou et al. 2016)", "activation", true, (m, o) => new Cam(m, o)),
        new("grad-cam", "Grad-CAM: spatially averaged gradients (Selvaraju et al. 2017)", "gradient", true, (m, o) => new GradCam(m, o)),
        new("grad-cam++", "Grad-CAM++: positive gradients with closed-form pixel weights (Chattopadhay et al. 2018)", "gradient", true, (m, o) => new GradCamPlusPlus(m, o)),
        new("xgrad-cam", "XGrad-CAM: activation-normalised gradient weights (Fu et al. 2020)", "gradient", true, (m, o) => new XGradCam(m, o)),
        new("hires-cam", "HiResCAM: gradients × activations element-wise (Draelos & Carin 2020)", "gradient", true, (m, o) => new HiResCam(m, o)),
        new("layer-cam", "Layer-CAM: positive gradients × activations element-wise (Jiang et al. 2021)", "gradient", true, (m, o) => new LayerCam(m, o)),
        new("eigen-cam", "Eigen-CAM: first principal component of the activations, class-agnostic (Muhammad & Yeasin 2020)", "activation", true, (m, o) => new EigenCam(m, o)),
        new("score-cam", "Score-CAM: scores of the input masked by each channel (Wang et al. 2020)", "perturbation", true, (m, o) => new ScoreCam(m, o), UsesUpsampling: true),
        new("ablation-cam", "Ablation-CAM: score drop when each channel is removed (Desai & Ramaswamy 2020)", "perturbation", true, (m, o) => new AblationCam(m, o)),
        new("rise", "RISE: scores of the input under random masks (Petsiuk et al. 2018)", "perturbation", false, (m, o) => new Rise(m, o)),
        new(RandomExplainer.MethodName, "random maps: the floor every metric should beat (a sanity baseline)", "baseline", false, (_, o) => new RandomExplainer(o.Seed)),
        new(CentreGaussianExplainer.MethodName, "a Gaussian at the image centre: the centre-bias baseline", "baseline", false, (_, _) => new CentreGaussianExplainer()),
        new(LfiCam.MethodName, "LFI-CAM: the class-agnostic map an lficam_* classifier computes in its forward pass (Lee et al. 2021)", "learned", false,
            (m, o) => new AttentionMapExplainer(LfiCam.MethodName, m, o)),
        new(Abn.MethodName, "ABN: the attention map an abn_* classifier computes in its forward pass (Fukui et al. 2019)", "learned", false,
            (m, o) => new AttentionMapExplainer(Abn.MethodName, m, o)),
        new(LvwExplainer.MethodName, "LVW: the 10 most similar visual words' similarity maps of an lvw_*/protopnet_* network, pixel-wise max (Xiao et al. 2022)", "learned", false,
            (m, o) => new LvwExplainer(m, o)),
        new(LCamExplainer.MethodName, "L-CAM: a learned attention mechanism's class map; Fm, Img or TAME, from its checkpoint (Gkartzonika et al. 2022)", "learned", false,
            (m, o) => new LCamExplainer(m, o)),
    ];

    /// <summary>The registered methods, in registration order (the post-hoc methods first).</summary>
    public static IReadOnlyList<ExplainerInfo> Explainers
    {
        get
        {
            lock (Gate) return [.. Entries];
        }
    }

    /// <summary>The registered names, in registration order.</summary>
    public static IReadOnlyList<string> Names => [.. Explainers.Select(e => e.Name)];

    /// <summary>The method called <paramref name="name"/> (see the matching rule above).</summary>
    /// <exception cref="UnknownExplainerException">No method has that name (the message lists the valid ones).</exception>
    public static ExplainerInfo Find(string name)
    {
        var key = Key(name);
        lock (Gate)
            return Entries.FirstOrDefault(e => Key(e.Name) == key) ?? throw new UnknownExplainerException(name, [.. Entries.Select(e => e.Name)]);
    }

    /// <summary>Whether a method called <paramref name="name"/> is registered.</summary>
    public static bool IsKnown(string name)
    {
        var key = Key(name);
        lock (Gate) return Entries.Any(e => Key(e.Name) == key);
    }

    /// <summary>
    /// Creates the method called <paramref name="name"/> for <paramref name="model"/> (in evaluation mode; not owned
    /// by the explainer) with <paramref name="options"/> (defaults when null). Layer and option errors are raised here.
    /// </summary>
    /// <exception cref="UnknownExplainerException">No method has that name.</exception>
    public static IExplainer Create(string name, Classifier model, ExplainerOptions? options = null)
    {
        var info = Find(name);
        options ??= new ExplainerOptions();
        options.Validate();
        return info.Create(model, options);
    }

    /// <summary>
    /// Adds a method (a learned explainer, or another post-hoc method). Its name must be new under the matching rule.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty or already registered.</exception>
    public static void Register(ExplainerInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (Key(info.Name).Length == 0) throw new ArgumentException("an explainer needs a name", nameof(info));
        lock (Gate)
        {
            if (Entries.Any(e => Key(e.Name) == Key(info.Name)))
                throw new ArgumentException($"an explainer called '{info.Name}' is already registered", nameof(info));
            Entries.Add(info);
        }
    }

    private static string Key(string name) =>
        new([.. name.Trim().ToLowerInvariant().Where(c => c is not ('-' or '_' or ' '))]);
}

/// <summary>Thrown for an explanation method name that is not registered.</summary>
public sealed class UnknownExplainerException : KeyNotFoundException
{
    /// <summary>Creates the exception.</summary>
    public UnknownExplainerException(string name, IReadOnlyList<string> validNames)
        : base($"unknown explanation method '{name}'; valid methods: {string.Join(", ", validNames)}")
    {
        Name = name;
        ValidNames = validNames;
    }

    /// <summary>The name that was asked for.</summary>
    public string Name { get; }

    /// <summary>The registered names.</summary>
    public IReadOnlyList<string> ValidNames { get; }
}
