namespace Ocular.Torch.Optim;

/// <summary>
/// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
/// exactly as <c>torch.optim.SGD</c> (PyTorch 1.13, single-tensor path). For each parameter with a
/// gradient g (negated when maximising):
/// <code>
/// g ← g + weight_decay·p                                 (when weight_decay ≠ 0)
/// b ← clone(g) at the first step, else momentum·b + (1 − dampening)·g
/// g ← g + momentum·b  (Nesterov)   or   g ← b            (when momentum ≠ 0)
/// p ← p − lr·g
/// </code>
/// Group options: <c>lr</c>, <c>momentum</c>, <c>dampening</c>, <c>weight_decay</c>. State per
/// parameter: <c>momentum_buffer</c> (only when momentum ≠ 0).
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>The momentum option's name.</summary>
    public const string MomentumKey = "momentum";
    /// <summary>The dampening option's name.</summary>
    public const string DampeningKey = "dampening";
    /// <summary>The name of the momentum buffer in the state.</summary>
    public const string MomentumBufferKey = "momentum_buffer";

    /// <summary>SGD over one group of <paramref name="parameters"/>.</summary>
    public Sgd(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, momentum, dampening, weightDecay, nesterov, maximize)
    {
    }

    /// <summary>SGD over parameter <paramref name="groups"/>; the other arguments are the defaults of options a group does not set.</summary>
    public Sgd(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(groups, CheckedDefaults(lr, momentum, dampening, weightDecay, nesterov))
    {
        Nesterov = nesterov;
        Maximize = maximize;
    }

    private static Dictionary<string, double> CheckedDefaults(double lr, double momentum, double dampening, double weightDecay, bool nesterov)
    {
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException($"Nesterov momentum requires a momentum > 0 and zero dampening (got momentum {momentum}, dampening {dampening})");
        return new()
        {
            [ParamGroup.LrKey] = lr,
            [MomentumKey] = momentum,
            [DampeningKey] = dampening,
            [ParamGroup.WeightDecayKey] = weightDecay,
        };
    }

    /// <summary>True for Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <summary>True to maximise the objective instead of minimising it.</summary>
    public bool Maximize { get; }

    /// <inheritdoc/>
    public override string Name => "SGD";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, bool> Flags => new Dictionary<string, bool> { ["nesterov"] = Nesterov, ["maximize"] = Maximize };

    /// <inheritdoc/>
    protected override void ValidateGroup(ParamGroup group)
    {
        base.ValidateGroup(group);
        if (!(group[MomentumKey] >= 0)) throw new ArgumentOutOfRangeException(nameof(group), group[MomentumKey], $"invalid momentum {group[MomentumKey]}: it must be ≥ 0");
    }

    /// <inheritdoc/>
    public override void Step()
    {
        using var noGrad = Autograd.NoGrad();
        foreach (var group in ParamGroups)
        {
            var lr = group.Lr;
            var weightDecay = group.WeightDecay;
            var momentum = group[MomentumKey];
            var dampening = group[DampeningKey];
            foreach (var p in group.Parameters)
            {
                // One scope per parameter: the temporaries die before the next parameter's are made.
                using var scope = DisposeScope.Enter();
                var grad = p.Grad;
                if (grad is null) continue;
                var dP = Maximize ? grad.Neg() : grad;
                if (weightDecay != 0) dP = dP.Add(p, weightDecay);
                if (momentum != 0)
                {
                    var state = StateOf(p);
                    if (!state.Tensors.TryGetValue(MomentumBufferKey, out var buf))
                        buf = state.Add(MomentumBufferKey, dP.Clone()); // torch.clone(d_p).detach()
                    else
                        buf.Mul_(momentum).Add_(dP, 1 - dampening);
                    dP = Nesterov ? dP.Add(buf, momentum) : buf;
                }
                p.Add_(dP, -lr);
            }
        }
    }
}
