"""Chapter 03's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext

from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "03-1d-3d.md"
NB = jupytext.read(CHAPTER)

CAUSAL_NO_DILATION = """
def causal_conv1d(x, weight, dilation=1):
    k = weight.shape[-1]
    return F.conv1d(F.pad(x, (k - 1, 0)), weight, dilation=dilation)
"""
CAUSAL_SYMMETRIC = """
def causal_conv1d(x, weight, dilation=1):
    k = weight.shape[-1]
    return F.conv1d(x, weight, padding=(k - 1) * dilation // 2, dilation=dilation)
"""
CAUSAL_NO_DILATION_IN_CALL = """
def causal_conv1d(x, weight, dilation=1):
    k = weight.shape[-1]
    return F.conv1d(F.pad(x, ((k - 1) * dilation, 0)), weight)
"""
CAUSAL_BOTH_ENDS = """
def causal_conv1d(x, weight, dilation=1):
    k = weight.shape[-1]
    return F.conv1d(x, weight, padding=(k - 1) * dilation, dilation=dilation)
"""
CAUSAL_FLIPPED = """
def causal_conv1d(x, weight, dilation=1):
    k = weight.shape[-1]
    return F.conv1d(F.pad(x, ((k - 1) * dilation, 0)), weight.flip(-1), dilation=dilation)
"""
CAUSAL_RIGHT = """
def causal_conv1d(x, weight, dilation=1):
    k = weight.shape[-1]
    return F.conv1d(F.pad(x, (0, (k - 1) * dilation)), weight, dilation=dilation)
"""
COST = "params_3d = {p3}\nmacs_3d = {m3}\nparams_2d = {p2}"
P3, M3, P2 = "128 * 64 * 27 + 128", "16 * 56 * 56 * 128 * 64 * 27", "128 * 1024 * 9 + 128"

MISTAKES = [
    ("ch03_clip_shape", "clip_shape = (2, 64, 16, 56, 56)", "frames too"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 7, 53, 53)", "padding of 3"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 56, 56, 8)", "frames axis D comes before"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 8, 57, 57)", "rounds down"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 9, 56, 56)", "frames axis too"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 7, 55, 55)", "+ 1 at the end"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 8, 55, 55)", "pads one side only"),
    ("ch03_frames_cost", COST.format(p3="128 * 64 * 27", m3=M3, p2=P2), "forgot the bias"),
    ("ch03_frames_cost", COST.format(p3="128 * 64 * 9 + 128", m3=M3, p2=P2), "27 taps"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="16 * 56 * 56 * 128 * 64 * 9", p2=P2), "27 taps"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="14 * 54 * 54 * 128 * 64 * 27", p2=P2), "padding=1"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="2 * " + M3, p2=P2), "counts once"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="56 * 56 * 128 * 64 * 27", p2=P2), "16 frames, not one"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="16 * 112 * 112 * 128 * 64 * 27", p2=P2), "not the input's 112×112"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="8 * 56 * 56 * 128 * 64 * 27", p2=P2), "all 16 frames"),
    ("ch03_frames_cost", COST.format(p3=P3, m3=M3, p2="128 * 1024 * 27 + 128"), "3×3: the frames became channels"),
    ("ch03_frames_cost", COST.format(p3=P3, m3=M3, p2="128 * 1024 * 9"), "bias of the 2D layer"),
    ("ch03_frames_cost", COST.format(p3=P3, m3=M3, p2="128 * 64 * 9 + 128"), "1024 input channels"),
    ("ch03_causal_conv1d", CAUSAL_NO_DILATION, "(k − 1)·d"),
    ("ch03_causal_conv1d", CAUSAL_SYMMETRIC, "pad on the left only"),
    ("ch03_causal_conv1d", CAUSAL_RIGHT, "pad on the left only"),
    ("ch03_causal_conv1d", CAUSAL_NO_DILATION_IN_CALL, "forgot dilation=dilation"),
    ("ch03_causal_conv1d", CAUSAL_BOTH_ENDS, "pads both ends"),
    ("ch03_causal_conv1d", CAUSAL_FLIPPED, "flipped the kernel"),
    ("ch03_read_stacks", 'causal_panels = {"A", "B", "C"}\nreal_inputs_A = 14\nwidest = "A"', "not every panel is causal"),
    ("ch03_read_stacks", 'causal_panels = {"A", "C"}\nreal_inputs_A = 16\nwidest = "A"', "receptive field, but part"),
    ("ch03_read_stacks", 'causal_panels = {"A", "C"}\nreal_inputs_A = 15\nwidest = "A"', "pink padding zero as an input"),
    ("ch03_read_stacks", 'causal_panels = {"A", "C"}\nreal_inputs_A = 13\nwidest = "A"', "off by one"),
    ("ch03_read_stacks", 'causal_panels = {"A", "B"}\nreal_inputs_A = 14\nwidest = "A"', "padded on both ends"),
    ("ch03_read_stacks", 'causal_panels = {"A"}\nreal_inputs_A = 14\nwidest = "A"', "dilated or not"),
    ("ch03_read_stacks", 'causal_panels = {"A", "C"}\nreal_inputs_A = 14\nwidest = "B"', "widest kernel"),
]

(test_usual_mistake_fails_with_a_hint_naming_it, test_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)
