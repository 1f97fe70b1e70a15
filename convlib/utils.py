"""Boilerplate every chapter needs: the device, seeding and sample data.

Each chapter opens with ``from convlib import device, seed_everything``; the
chapters never choose a device or a seed on their own.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["device", "seed_everything", "sample_image"]


def device() -> torch.device:
    """The fastest available device: CUDA if available, then Apple MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch so that every chapter is deterministic on the CPU (all chapters).

    Also turns TensorFloat-32 off, so that exact checks against PyTorch hold on GPUs.

    Returns a ``torch.Generator`` seeded with ``seed``, for code that prefers an
    explicit generator over the global state.
    """
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    # Exact comparisons with the built-ins hold on GPUs too: no TensorFloat-32 shortcuts.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    return torch.Generator().manual_seed(seed)


def sample_image(name: str = "camera", size: int | None = None) -> torch.Tensor:
    """A grey-scale image in [0, 1] from scikit-image's bundled data, as a ``(H, W)`` tensor.

    Nothing is downloaded: only images that ship inside scikit-image are used.

    Args:
        name: one of scikit-image's bundled images, e.g. ``"camera"``, ``"astronaut"``, ``"coins"``.
        size: if given, the image is resized (area averaging) to ``size × size``.
    """
    from skimage import color, data  # local: scikit-image is a book dependency

    if not hasattr(data, name):
        raise ValueError(f"name must be one of scikit-image's bundled images, got {name!r}")
    image = np.asarray(getattr(data, name)(), dtype=np.float64)
    if image.ndim == 3:
        image = color.rgb2gray(image[..., :3] / (255.0 if image.max() > 1 else 1.0))
    elif image.max() > 1:
        image = image / 255.0
    tensor = torch.as_tensor(image, dtype=torch.float32)
    if size is not None:
        tensor = torch.nn.functional.adaptive_avg_pool2d(tensor[None, None], size)[0, 0]
    return tensor
