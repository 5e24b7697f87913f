namespace Ocular.Torch.Optim;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019), exactly as <c>torch.optim.AdamW</c>
/// (PyTorch 1.13, single-tensor path): at each step the parameter first shrinks,
/// <c>p ← p·(1 − lr·weight_decay)</c>, and then takes Adam's step on the raw gradient (see
/// <see cref="Adam"/>; the decay never enters the moments). Group options and state as
/// <see cref="Adam"/>; the default weight decay is 0.01.
/// </summary>
public sealed class AdamW : Optimizer
{
    /// <summary>AdamW over one group of <paramref name="parameters"/>.</summary>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, beta1, beta2, eps, weightDecay, amsgrad, maximize)
    {
    }

    /// <summary>AdamW over parameter <paramref name="groups"/>; the other arguments are the defaults of options a group does not set.</summary>
    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(groups, Adam.DefaultOptions(lr, beta1, beta2, eps, weightDecay))
    {
        Amsgrad = amsgrad;
        Maximize = maximize;
    }

    /// <summary>True for the AMSGrad variant.</summary>
    public bool Amsgrad { get; }

    /// <summary>True to maximise the objective instead of minimising it.</summary>
    public bool Maximize { get; }

    /// <inheritdoc/>
    public override string Name => "AdamW";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, bool> Flags => new Dictionary<string, bool> { ["amsgrad"] = Amsgrad, ["maximize"] = Maximize };

    /// <inheritdoc/>
    protected override void ValidateGroup(ParamGroup group)
    {
        base.ValidateGroup(group);
        Adam.ValidateAdamGroup(group);
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
                var state = Adam.InitState(StateOf(p), p, Amsgrad);
                var step = ++state.Scalars[Adam.StepKey];
                // torch/optim/adamw.py, _single_tensor_adamw: param.mul_(1 - lr * weight_decay), always.
                p.Mul_(1 - group.Lr * group.WeightDecay);
                Adam.UpdateMomentsAndParameter(p, grad, state, group, step, Amsgrad);
            }
        }
    }
}
