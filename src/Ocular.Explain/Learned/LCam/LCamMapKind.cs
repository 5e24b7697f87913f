namespace Ocular.Explain.Learned.LCam;

/// <summary>Which of the attention mechanism's outputs an explanation shows (reference l-cam.md §2.5, §9 defect 2).</summary>
public enum LCamMapKind
{
    /// <summary>The pre-sigmoid class map c[k] (<c>get_c</c>), what the published evaluation uses (the default).</summary>
    Logits,

    /// <summary>The sigmoid class map a[k] (<c>get_a</c>), what training optimises.</summary>
    Sigmoid,
}
