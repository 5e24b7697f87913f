namespace Ocular.Vision.Models.Attention;

/// <summary>
/// Where LFI-CAM's Feature Importance Network puts its ReLUs among its four conv3×3 + BN blocks (lfi-cam.md §2.2
/// step 3, defect §7.4): the CIFAR files put one after BN #2 and BN #4; the ImageNet file after every BN (its ReLUs
/// after BN #1 and #3 sit on tab-indented lines, so the file does not parse under Python 3 as written).
/// </summary>
public enum FinReluPattern
{
    /// <summary>ReLU after every BN: the ImageNet-style default (torchvision ResNets).</summary>
    AfterEveryBn,

    /// <summary>ReLU after BN #2 and BN #4 only: the CIFAR-style default (CIFAR ResNets, the compact CNN).</summary>
    AfterBn2And4,
}
