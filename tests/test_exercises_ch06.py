"""Chapter 06's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext

from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "06-dilated.md"
NB = jupytext.read(CHAPTER)

RF, PARAMS, MACS = "63", "5 * (64 * 64 * 9 + 64)", "5 * 128 * 128 * 64 * 64 * 9"
COST = "rf = {rf}\nparams = {params}\nmacs = {macs}"

DILATE_TRAILING = """
def dilate_kernel(weight, dilation):
    c_out, c_in, kh, kw = weight.shape
    out = weight.new_zeros(c_out, c_in, dilation * kh, dilation * kw)
    out[:, :, ::dilation, ::dilation] = weight
    return out
"""
DILATE_DTYPE_LOST = """
def dilate_kernel(weight, dilation):
    c_out, c_in, kh, kw = weight.shape
    out = torch.zeros(c_out, c_in, dilation * (kh - 1) + 1, dilation * (kw - 1) + 1)
    out[:, :, ::dilation, ::dilation] = weight
    return out
"""
DILATE_DETACHED = """
def dilate_kernel(weight, dilation):
    c_out, c_in, kh, kw = weight.shape
    out = weight.new_zeros(c_out, c_in, dilation * (kh - 1) + 1, dilation * (kw - 1) + 1)
    out[:, :, ::dilation, ::dilation] = weight.detach()
    return out
"""
DILATE_SWAPPED = """
def dilate_kernel(weight, dilation):
    c_out, c_in, kh, kw = weight.shape
    out = weight.new_zeros(c_out, c_in, dilation * (kw - 1) + 1, dilation * (kh - 1) + 1)
    out[:, :, ::dilation, ::dilation] = weight.reshape(c_out, c_in, kw, kh)
    return out
"""
DILATE_ONE_SIDE = """
def dilate_kernel(weight, dilation):
    k = weight.shape[-1]
    out = weight.new_zeros(weight.shape[0], weight.shape[1], dilation * (k - 1) + 1, dilation * (k - 1) + 1)
    out[:, :, ::dilation, ::dilation] = weight
    return out
"""
DILATE_CPU_ONLY = """
def dilate_kernel(weight, dilation):
    c_out, c_in, kh, kw = weight.shape
    out = torch.zeros(c_out, c_in, dilation * (kh - 1) + 1, dilation * (kw - 1) + 1, dtype=weight.dtype)
    out[:, :, ::dilation, ::dilation] = weight
    return out
"""

MISTAKES = [
    ("ch06_output_shape", "shape = (2, 32, 21, 21)", "effective size"),
    ("ch06_output_shape", "shape = (2, 32, 17, 17)", "padding"),
    ("ch06_output_shape", "shape = (2, 32, 20, 20)", "k′ = d(k−1)"),
    ("ch06_output_shape", "shape = (2, 32, 18, 18)", "k′ = d·k"),
    ("ch06_stack_cost", COST.format(rf=RF, params="5 * 64 * 64 * 9", macs=MACS), "forgot the biases"),
    ("ch06_stack_cost", COST.format(rf=RF, params="5 * (64 * 9 + 64)", macs=MACS), "64 input channels"),
    ("ch06_stack_cost", COST.format(rf=RF, params="5 * (64 * 64 * 9 + 1)", macs=MACS), "one bias per output channel"),
    ("ch06_stack_cost", COST.format(rf=RF, params="5 * 64 * 64 * 9 + 64", macs=MACS), "64 biases once"),
    ("ch06_stack_cost", COST.format(rf="68", params=PARAMS, macs=MACS), "k′ − 1"),
    ("ch06_stack_cost", COST.format(rf="67", params=PARAMS, macs=MACS), "summing the effective sizes"),
    ("ch06_stack_cost", COST.format(rf="62", params=PARAMS, macs=MACS), "starts at 1"),
    ("ch06_stack_cost", COST.format(rf="33", params=PARAMS, macs=MACS), "dilation-16 layer alone"),
    ("ch06_stack_cost", COST.format(rf="31", params=PARAMS, macs=MACS), "leaves out the dilation-16"),
    ("ch06_stack_cost", COST.format(rf=RF, params=PARAMS,
                                    macs="sum(128 * 128 * 64 * 64 * (2 * d + 1) ** 2 for d in (1, 2, 4, 8, 16))"),
     "dilated k′×k′ window"),
    ("ch06_stack_cost", COST.format(rf=RF, params=PARAMS, macs="128 * 128 * 64 * 64 * 9"), "one layer"),
    ("ch06_stack_cost", COST.format(rf=RF, params=PARAMS, macs="2 * " + MACS), "FLOPs"),
    ("ch06_stack_cost", COST.format(rf=RF, params=PARAMS, macs="5 * 128 * 128 * 64 * 9"), "64 input channels"),
    ("ch06_stack_cost", COST.format(rf=RF, params=PARAMS, macs="5 * 128 * 128 * (64 * 64 * 9 + 64)"), "bias is an addition"),
    ("ch06_stack_cost", COST.format(rf=RF, params=PARAMS, macs="sum((128 - 2 * d) ** 2 for d in (1, 2, 4, 8, 16)) * 64 * 64 * 9"),
     "left out the padding"),
    ("ch06_dilate_kernel", DILATE_TRAILING, "spans 3·(2−1)+1"),
    ("ch06_dilate_kernel", DILATE_DTYPE_LOST, "dtype"),
    ("ch06_dilate_kernel", DILATE_DETACHED, "gradients must flow"),
    ("ch06_dilate_kernel", DILATE_SWAPPED, "swapped height and width"),
    ("ch06_dilate_kernel", DILATE_CPU_ONLY, "weight's device"),
    ("ch06_dilate_kernel", DILATE_ONE_SIDE, "both sides from one dimension"),
    ("ch06_gridding_figure", 'gridded = {"A"}\nspacing_a = 2', "any blue pixel"),
    ("ch06_gridding_figure", 'gridded = {"A", "B", "C", "D"}\nspacing_a = 2', "no blue pixel"),
    ("ch06_gridding_figure", 'gridded = {"A", "C"}\nspacing_a = 4', "rates are not the spacing"),
    ("ch06_gridding_figure", 'gridded = {"A", "C"}\nspacing_a = 1', "blue pixels between"),
    ("ch06_gridding_figure", 'gridded = {"A", "B", "C"}\nspacing_a = 2', "uneven shades of red"),
]

(test_usual_mistake_fails_with_a_hint_naming_it, test_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)
