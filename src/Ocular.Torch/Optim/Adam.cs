namespace Ocular.Torch.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba 2015) with L2 weight decay and the AMSGrad variant, exactly as
/// <c>torch.optim.Adam</c> (PyTorch 1.13, single-tensor path). For each parameter with a gradient g
/// (negated when maximising), at step t:
/// <code>
/// g ← g + weight_decay·p                                 (when weight_decay ≠ 0)
/// m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²
/// v̂ ← max(v̂, v) with AMSGrad, else v̂ = v
/// p ← p − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + eps)
/// </code>
/// Group options: <c>lr</c>, <c>beta1</c>, <c>beta2</c>, <c>eps</c>, <c>weight_decay</c>. State per
/// parameter: <c>step</c> (a number), <c>exp_avg</c>, <c>exp_avg_sq</c> and, with AMSGrad,
/// <c>max_exp_avg_sq</c>.
/// </summary>
public sealed class Adam : Optimizer
{
    /// <summary>Adam over one group of <paramref name="parameters"/>.</summary>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, beta1, beta2, eps, weightDecay, amsgrad, maximize)
    {
    }

    /// <summary>Adam over parameter <paramref name="groups"/>; the other arguments are the defaults of options a group does not set.</summary>
    public Adam(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(groups, DefaultOptions(lr, beta1, beta2, eps, weightDecay))
    {
        Amsgrad = amsgrad;
        Maximize = maximize;
    }

    /// <summary>The first-moment decay option's name (the first of PyTorch's <c>betas</c>).</summary>
    public const string Beta1Key = "beta1";
    /// <summary>The second-moment decay option's name (the second of PyTorch's <c>betas</c>).</summary>
    public const string Beta2Key = "beta2";
    /// <summary>The denominator term option's name.</summary>
    public const string EpsKey = "eps";
    /// <summary>The name of the step count in the state.</summary>
    public const string StepKey = "step";
    /// <summary>The name of the first-moment average in the state.</summary>
    public const string ExpAvgKey = "exp_avg";
    /// <summary>The name of the second-moment average in the state.</summary>
    public const string ExpAvgSqKey = "exp_avg_sq";
    /// <summary>The name of AMSGrad's running maximum in the state.</summary>
    public const string MaxExpAvgSqKey = "max_exp_avg_sq";

    internal static Dictionary<string, double> DefaultOptions(double lr, double beta1, double beta2, double eps, double weightDecay) => new()
    {
        [ParamGroup.LrKey] = lr,
        [Beta1Key] = beta1,
        [Beta2Key] = beta2,
        [EpsKey] = eps,
        [ParamGroup.WeightDecayKey] = weightDecay,
    };

    /// <summary>True for the AMSGrad variant.</summary>
    public bool Amsgrad { get; }

    /// <summary>True to maximise the objective instead of minimising it.</summary>
    public bool Maximize { get; }

    /// <inheritdoc/>
    public override string Name => "Adam";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, bool> Flags => new Dictionary<string, bool> { ["amsgrad"] = Amsgrad, ["maximize"] = Maximize };

    /// <inheritdoc/>
    protected override void ValidateGroup(ParamGroup group)
    {
        base.ValidateGroup(group);
        ValidateAdamGroup(group);
    }

    internal static void ValidateAdamGroup(ParamGroup group)
    {
        if (!(group[EpsKey] >= 0)) throw new ArgumentOutOfRangeException(nameof(group), group[EpsKey], $"invalid epsilon {group[EpsKey]}: it must be ≥ 0");
        foreach (var key in new[] { Beta1Key, Beta2Key })
            if (!(group[key] >= 0 && group[key] < 1))
                throw new ArgumentOutOfRangeException(nameof(group), group[key], $"invalid {key} {group[key]}: it must be in [0, 1)");
    }

    /// <inheritdoc/>
    public override void Step()
    {
        using var noGrad = Autograd.NoGrad();
        foreach (var group in ParamGroups)
        {
            foreach (var p in group.Parameters)
            {
                using var scope = DisposeScope.Enter();
                var grad = p.Grad;
                if (grad is null) continue;
                if (Maximize) grad = grad.Neg();
                var state = InitState(StateOf(p), p, Amsgrad);
                var step = ++state.Scalars[StepKey];
                var weightDecay = group.WeightDecay;
                if (weightDecay != 0) grad = grad.Add(p, weightDecay);
                UpdateMomentsAndParameter(p, grad, state, group, step, Amsgrad);
            }
        }
    }

    /// <summary>Creates the state at the parameter's first step (step 0, zero moments), as PyTorch's lazy initialisation.</summary>
    internal static ParameterState InitState(ParameterState state, Tensor p, bool amsgrad)
    {
        if (!state.IsEmpty) return state;
        state.Scalars[StepKey] = 0;
        state.Add(ExpAvgKey, Tensor.ZerosLike(p));
        state.Add(ExpAvgSqKey, Tensor.ZerosLike(p));
        if (amsgrad) state.Add(MaxExpAvgSqKey, Tensor.ZerosLike(p));
        return state;
    }

    /// <summary>
    /// The moment updates and the parameter update shared by Adam and AdamW
    /// (torch/optim/adam.py, <c>_single_tensor_adam</c>, the non-capturable branch).
    /// </summary>
    internal static void UpdateMomentsAndParameter(Tensor p, Tensor grad, ParameterState state, ParamGroup group, double step, bool amsgrad)
    {
        var beta1 = group[Beta1Key];
        var beta2 = group[Beta2Key];
        var expAvg = state.Tensors[ExpAvgKey];
        var expAvgSq = state.Tensors[ExpAvgSqKey];
        expAvg.Mul_(beta1).Add_(grad, 1 - beta1);
        expAvgSq.Mul_(beta2).Addcmul_(grad, grad, 1 - beta2);

        // PyTorch keeps the step in a float32 tensor and computes the corrections in Python floats.
        var biasCorrection1 = 1 - Math.Pow(beta1, step);
        var biasCorrection2 = 1 - Math.Pow(beta2, step);
        var stepSize = group.Lr / biasCorrection1;
        var biasCorrection2Sqrt = Math.Sqrt(biasCorrection2);

        Tensor denom;
        if (amsgrad)
        {
            var maxExpAvgSq = state.Tensors[MaxExpAvgSqKey];
            maxExpAvgSq.Maximum_(expAvgSq);
            denom = maxExpAvgSq.Sqrt().Div(biasCorrection2Sqrt).Add_(group[EpsKey]);
        }
        else
        {
            denom = expAvgSq.Sqrt().Div(biasCorrection2Sqrt).Add_(group[EpsKey]);
        }
        p.Addcdiv_(expAvg, denom, -stepSize);
    }
}
