"""convlib: the tested torch package behind the interactive textbook on convolutions.

Every chapter of the book imports this package; nothing is exported from the
notebooks. The public names are listed, with their signatures, shapes and
chapters, in the book's appendix "The convlib API" (``book/api.md``, built
from these docstrings into ``_build/html/book/api.html``); they are kept stable.

Modules:
    arithmetic: output sizes and receptive fields (chapter 02).
    ops: from-scratch operators checked against PyTorch (chapters 01, 03, 05, 12).
    cost: parameters and multiply-adds, by formula and by counting.
    viz: diagrams drawn from a configuration.
    widgets: controls that stay live in JupyterLab and on the static website.
"""

from __future__ import annotations

import sys

from . import arithmetic, cost, ops
from .utils import device, sample_image, seed_everything

__all__ = ["arithmetic", "cost", "ops", "device", "seed_everything", "sample_image", "__version__"]
__version__ = "0.1.0"

if "ipykernel" in sys.modules:  # a chapter in a Jupyter kernel: figures sized for the website's column
    from .viz import style as _style

    _style.use()
