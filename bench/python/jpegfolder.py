"""The JPEG folder of the train and data suites (the C# side's JpegFolder.Ensure: same path, same pixels)."""
import os
import tempfile

import torch
import torch.nn.functional as F
from PIL import Image


def ensure_images(count, classes):
    """TMP/ocular-bench-train-v1-N: the same pixels as JpegFolder.Ensure (libtorch generator, same ops); JPEG q90 via PIL."""
    root = os.path.join(tempfile.gettempdir(), f"ocular-bench-train-v1-{count}")
    if os.path.isdir(root):
        return root
    temp = f"{root}.tmp-{os.getpid()}"
    for i in range(count):
        g = torch.Generator().manual_seed(1234 + i)
        coarse = torch.rand(1, 3, 6, 8, generator=g) * 255
        smooth = F.interpolate(coarse, size=(375, 500), mode="bilinear", align_corners=False)[0]
        image = (smooth + torch.randn(3, 375, 500, generator=g) * 12).clamp(0, 255).round().to(torch.uint8)
        d = os.path.join(temp, f"class{i % classes}")
        os.makedirs(d, exist_ok=True)
        Image.fromarray(image.permute(1, 2, 0).contiguous().numpy()).save(os.path.join(d, f"img{i:04d}.jpg"), quality=90)
    try:
        os.rename(temp, root)
    except OSError:
        if not os.path.isdir(root):
            raise
    return root
