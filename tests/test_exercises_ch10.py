"""Chapter 10's exercises: each solution passes its public checks, and the usual mistakes fail with a hint naming them."""

from __future__ import annotations

import pathlib

import jupytext
import pytest

from convlib.course.homework import public_check_failures

CHAPTER_PATH = pathlib.Path(__file__).parents[1] / "chapters" / "10-depthwise-separable.md"
NB = jupytext.read(CHAPTER_PATH)
QUESTIONS = ["ch10_block_shape", "ch10_block_cost", "ch10_full_weight", "ch10_ratio_curves"]


@pytest.mark.parametrize("name", QUESTIONS)
def test_the_chapters_solution_passes_the_public_checks(name):
    assert public_check_failures(NB, name) == []


PLANTED = {
    "ch10_block_shape": [
        # groups ignored: the depthwise weight drawn as a full (32, 32, 3, 3) weight
        ("depthwise_weight_shape = (32, 32, 3, 3)\noutput_shape = (8, 64, 28, 28)", "groups"),
        # the stride forgotten
        ("depthwise_weight_shape = (32, 1, 3, 3)\noutput_shape = (8, 64, 56, 56)", "stride"),
        # the padding forgotten
        ("depthwise_weight_shape = (32, 1, 3, 3)\noutput_shape = (8, 64, 27, 27)", "padding"),
        # the pointwise layer's channels ignored
        ("depthwise_weight_shape = (32, 1, 3, 3)\noutput_shape = (8, 32, 28, 28)", "1×1"),
        # the output size rounded up
        ("depthwise_weight_shape = (32, 1, 3, 3)\noutput_shape = (8, 64, 29, 29)", "rounded up"),
        # channels last (NHWC)
        ("depthwise_weight_shape = (32, 1, 3, 3)\noutput_shape = (8, 28, 28, 64)", "channels last"),
        # the stride applied by both layers
        ("depthwise_weight_shape = (32, 1, 3, 3)\noutput_shape = (8, 64, 14, 14)", "stride twice"),
        # true division: the floor forgotten
        ("depthwise_weight_shape = (32, 1, 3, 3)\noutput_shape = (8, 64, 28.5, 28.5)", "floor division"),
        # the depthwise weight given the pair's 64 output channels
        ("depthwise_weight_shape = (64, 1, 3, 3)\noutput_shape = (8, 64, 28, 28)", "the 64 belong to the 1×1 layer"),
        # TensorFlow's kernel layout (kH, kW, C_in, M)
        ("depthwise_weight_shape = (3, 3, 32, 1)\noutput_shape = (8, 64, 28, 28)", "come last"),
        # both the stride and the padding forgotten
        ("depthwise_weight_shape = (32, 1, 3, 3)\noutput_shape = (8, 64, 54, 54)", "stride 2 and its padding"),
    ],
    "ch10_block_cost": [
        # all biases forgotten
        ("params = 64 * 9 + 64 * 128\nmacs = 14 * 14 * 64 * (9 + 128)", "biases"),
        # the pointwise biases forgotten
        ("params = 64 * 9 + 64 + 64 * 128\nmacs = 14 * 14 * 64 * (9 + 128)", "pointwise biases"),
        # the depthwise counted as K²·C_in·C_out
        ("params = 9 * 64 * 128 + 128 + 64 * 128 + 128\nmacs = 14 * 14 * 64 * (9 + 128)", "one 3×3 kernel per input channel"),
        # the input size instead of the output size
        ("params = 64 * 9 + 64 + 64 * 128 + 128\nmacs = 28 * 28 * 64 * (9 + 128)", "output size"),
        # the depthwise MACs as K²·C_in·C_out at the output size
        ("params = 64 * 9 + 64 + 64 * 128 + 128\nmacs = 14 * 14 * (9 * 64 * 128 + 64 * 128)", "per input channel"),
        # the padding forgotten (and the + 1 dropped): 12×12
        ("params = 64 * 9 + 64 + 64 * 128 + 128\nmacs = 12 * 12 * 64 * (9 + 128)", "padding"),
        # an off-by-one output: 13×13
        ("params = 64 * 9 + 64 + 64 * 128 + 128\nmacs = 13 * 13 * 64 * (9 + 128)", "off by one"),
        # the pointwise step counted at the input size
        ("params = 64 * 9 + 64 + 64 * 128 + 128\nmacs = 14 * 14 * 64 * 9 + 28 * 28 * 64 * 128", "pointwise step at the input size"),
        # the depthwise step counted at the input size
        ("params = 64 * 9 + 64 + 64 * 128 + 128\nmacs = 28 * 28 * 64 * 9 + 14 * 14 * 64 * 128", "depthwise step at the input size"),
        # FLOPs (2 per multiply-add) instead of multiply-adds
        ("params = 64 * 9 + 64 + 64 * 128 + 128\nmacs = 2 * 14 * 14 * 64 * (9 + 128)", "FLOPs"),
        # both the stride and the padding forgotten: 26×26
        ("params = 64 * 9 + 64 + 64 * 128 + 128\nmacs = 26 * 26 * 64 * (9 + 128)", "both the stride 2 and the padding"),
        # the output size rounded up: 15×15
        ("params = 64 * 9 + 64 + 64 * 128 + 128\nmacs = 15 * 15 * 64 * (9 + 128)", "rounded up"),
        # the 1×1 step strided as well: 7×7
        ("params = 64 * 9 + 64 + 64 * 128 + 128\nmacs = 14 * 14 * 64 * 9 + 7 * 7 * 64 * 128", "strided the 1×1 step too"),
        # the pointwise step counted once (its weights), not at every position
        ("params = 64 * 9 + 64 + 64 * 128 + 128\nmacs = 14 * 14 * 64 * 9 + 64 * 128", "one position only"),
        # both steps counted once: the weights taken for the multiply-adds
        ("params = 64 * 9 + 64 + 64 * 128 + 128\nmacs = 64 * 9 + 64 * 128", "one position only"),
        # the bias additions counted
        ("params = 64 * 9 + 64 + 64 * 128 + 128\nmacs = 14 * 14 * 64 * (9 + 128) + 14 * 14 * (64 + 128)", "bias additions"),
    ],
    "ch10_full_weight": [
        # D broadcast along the wrong axis (dim 0, the output channels): fails when C_out != C_in
        ("def full_weight(depthwise_weight, pointwise_weight, multiplier=1):\n"
         "    return pointwise_weight * depthwise_weight", "if broadcasting failed"),
        # the same wrong axis on a square layer (C_in = C_out): W[o, c] = P[o, c]·D_o
        ("def full_weight(depthwise_weight, pointwise_weight, multiplier=1):\n"
         "    if pointwise_weight.shape[0] == depthwise_weight.shape[0]:\n"
         "        return pointwise_weight * depthwise_weight\n"
         "    return pointwise_weight * depthwise_weight.transpose(0, 1)", "you scaled D_o"),
        # P transposed: W[o, c] = P[c, o]·D_c
        ("def full_weight(depthwise_weight, pointwise_weight, multiplier=1):\n"
         "    p = pointwise_weight\n"
         "    if p.shape[0] == p.shape[1]:\n"
         "        p = p.transpose(0, 1)\n"
         "    return p * depthwise_weight.transpose(0, 1)", "P[c, o]"),
        # the whole weight transposed: (C_in, C_out, kH, kW)
        ("def full_weight(depthwise_weight, pointwise_weight, multiplier=1):\n"
         "    return pointwise_weight.transpose(0, 1) * depthwise_weight", "transposed"),
        # summed over the input channels, as if W were the pair's output
        ("def full_weight(depthwise_weight, pointwise_weight, multiplier=1):\n"
         "    return (pointwise_weight * depthwise_weight.transpose(0, 1)).sum(1, keepdim=True)", "summed over the input channels"),
        # the depthwise weight's size-1 axis kept: a 5-D W
        ("def full_weight(depthwise_weight, pointwise_weight, multiplier=1):\n"
         "    return pointwise_weight[:, :, None] * depthwise_weight[None]", "size-1 axis"),
        # the channel multiplier ignored: (C_out, M·C_in, kH, kW)
        ("def full_weight(depthwise_weight, pointwise_weight, multiplier=1):\n"
         "    return pointwise_weight * depthwise_weight.transpose(0, 1)", "add the M kernels"),
        # the multiplier's kernels grouped as c, c + C_in, ... instead of consecutively
        ("def full_weight(depthwise_weight, pointwise_weight, multiplier=1):\n"
         "    s = pointwise_weight * depthwise_weight.transpose(0, 1)\n"
         "    return s.view(s.shape[0], multiplier, -1, *s.shape[2:]).sum(1)", "consecutive"),
        # a square kernel assumed (k = the last size), so a 1×3 kernel gives the wrong shape
        ("def full_weight(depthwise_weight, pointwise_weight, multiplier=1):\n"
         "    k = depthwise_weight.shape[-1]\n"
         "    s = pointwise_weight * depthwise_weight.transpose(0, 1)\n"
         "    return s.view(s.shape[0], -1, multiplier, k, k).sum(2)", "take kH and kW"),
        # a square kernel assumed with C_in computed: the view fails on a 1×3 kernel
        ("def full_weight(depthwise_weight, pointwise_weight, multiplier=1):\n"
         "    k = depthwise_weight.shape[-1]\n"
         "    c_in = depthwise_weight.shape[0] // multiplier\n"
         "    s = pointwise_weight * depthwise_weight.transpose(0, 1)\n"
         "    return s.view(s.shape[0], c_in, multiplier, k, k).sum(2)", "take kH and kW"),
        # a float32 buffer filled in place: float64 weights give a float32 W
        ("def full_weight(depthwise_weight, pointwise_weight, multiplier=1):\n"
         "    s = pointwise_weight * depthwise_weight.transpose(0, 1)\n"
         "    w = torch.zeros(s.shape[0], s.shape[1] // multiplier, *s.shape[2:])\n"
         "    for j in range(multiplier):\n"
         "        w += s[:, j::multiplier].float()\n"
         "    return w", "float64"),
        # the library's answer called to build W (probing the pair)
        ("def full_weight(depthwise_weight, pointwise_weight, multiplier=1):\n"
         "    depthwise_separable_conv2d(torch.zeros(1, depthwise_weight.shape[0], 3, 3), depthwise_weight, pointwise_weight)\n"
         "    return pointwise_weight * depthwise_weight.transpose(0, 1)", "depthwise_separable_conv2d is not allowed"),
    ],
    "ch10_ratio_curves": [
        # the ratio read as 1/k
        ("limit_b = 0.33\nkernel_b = 3", "1/k², not 1/k"),
        # the speed-up instead of the ratio
        ("limit_b = 9.0\nkernel_b = 3", "speed-up"),
        # the curves believed to fall to zero
        ("limit_b = 0.0\nkernel_b = 3", "do not fall to 0"),
        # k confused with its area k²
        ("limit_b = 0.11\nkernel_b = 9", "not its area"),
        # the limit read off curve B but k guessed (or read off another curve)
        ("limit_b = 0.11\nkernel_b = 5", "disagree"),
        # a reading off by more than the hidden tolerance (0.015) with k = 3
        ("limit_b = 0.13\nkernel_b = 3", "disagree"),
    ],
}


@pytest.mark.parametrize("name, answer, hint", [(n, a, h) for n, cases in PLANTED.items() for a, h in cases])
def test_a_usual_mistake_fails_with_a_hint_that_names_it(name, answer, hint):
    failures = public_check_failures(NB, name, answer)
    assert failures, f"{name}: the wrong answer passed the public checks:\n{answer}"
    assert hint in failures[0], f"{name}: the first hint {failures[0]!r} does not name {hint!r}"
