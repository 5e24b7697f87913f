namespace Ocular.Explain.Learned.LCam;

/// <summary>The class y_n whose map is trained on each image (reference l-cam.md §4.1, §9 defect 3).</summary>
public enum LCamTargetSource
{
    /// <summary>The explained classifier's own top-1 prediction on the clean image (TAME's "model truth labels"; the default).</summary>
    Predictions,

    /// <summary>The data set's labels.</summary>
    Labels,
}
