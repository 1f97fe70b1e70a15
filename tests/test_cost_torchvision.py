"""convlib.cost.count reproduces the figures torchvision publishes for its own models.

Each model is torchvision's architecture, built with ``weights=None`` (nothing is downloaded)
on PyTorch's ``meta`` device (shapes without storage, so VGG-16's 138M weights cost nothing).
The expected figures are read from the model's weights metadata, which ships inside the
torchvision package: ``num_params`` and ``_ops``, the "GFLOPS" of torchvision's model tables,
which count multiply-adds of one 224×224 image (299×299 for Inception-v3).
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest
import torch
from torchvision import models  # a dependency (pyproject.toml); a broken install must fail, not skip

from convlib.cost import count

# The convolutional families the book counts (chapters 01, 02, 04, 09-14), and a few more.
MODELS = [
    "alexnet", "vgg16", "resnet18", "resnet50", "resnext50_32x4d", "wide_resnet50_2", "googlenet",
    "inception_v3", "densenet121", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small",
    "shufflenet_v2_x1_0", "squeezenet1_1", "efficientnet_b0", "mnasnet1_0", "convnext_tiny",
]
# torchvision's released GoogLeNet drops its auxiliary classifiers, and its published count does too;
# Inception-v3's published count keeps them (they run only in training, so they add no multiply-adds here).
OPTIONS = {"googlenet": {"aux_logits": False, "init_weights": False}, "inception_v3": {"init_weights": False}}


def build(name: str) -> torch.nn.Module:
    with torch.device("meta"):
        return models.get_model(name, weights=None, **OPTIONS.get(name, {})).eval()


def published(name: str) -> dict:
    return models.get_model_weights(name).DEFAULT.meta


@pytest.mark.parametrize("name", MODELS)
def test_count_reproduces_torchvisions_published_params_and_multiply_adds(name: str) -> None:
    meta = published(name)
    side = 299 if name == "inception_v3" else 224
    cost = count(build(name), (1, 3, side, side))
    assert cost.params == meta["num_params"]
    decimals = -Decimal(str(meta["_ops"])).as_tuple().exponent  # 15.47 -> 2, 1.814 -> 3
    assert round(cost.macs / 1e9, decimals) == meta["_ops"], f"{cost.macs / 1e9:.4f} G against {meta['_ops']}"


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2", "shufflenet_v2_x1_0", "googlenet"])
def test_count_equals_flop_counter_mode_over_two_on_torchvision_models(name: str) -> None:
    from torch.utils.flop_counter import FlopCounterMode

    model, shape = build(name), (2, 3, 64, 64)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.empty(shape, device="meta"))
    assert count(model, shape).macs * 2 == counter.get_total_flops()


def test_convlib_imports_without_torchvision() -> None:
    code = ("import sys, convlib, convlib.ops, convlib.cost, convlib.arithmetic, convlib.viz, convlib.widgets; "
            "sys.exit('torchvision' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, "importing convlib pulled torchvision in: " + result.stderr[-500:]
