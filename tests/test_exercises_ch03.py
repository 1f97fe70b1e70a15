"""Chapter 03's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext
import pytest

from convlib.course.homework import public_check_failures

from planting import assert_exercises_put_away, planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "03-1d-3d.md"
NB = jupytext.read(CHAPTER)
# The student edition keeps only the exercise figure's image, and no check uses what its cell defines: skip the
# drawing here (1.5 s per planted answer); the chapter's build still draws it.
for _cell in NB.cells:
    if "exercise-figure" in _cell.metadata.get("tags", []):
        _cell.source = "pass"

CAUSAL_NO_DILATION = """
def causal_conv1d(x, weight, dilation=1):
    k = weight.shape[-1]
    return F.conv1d(F.pad(x, (k - 1, 0)), weight, dilation=dilation)
"""
CAUSAL_IGNORE_DILATION = """
def causal_conv1d(x, weight, dilation=1):
    k = weight.shape[-1]
    return F.conv1d(F.pad(x, (k - 1, 0)), weight)
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
CAUSAL_NO_DILATION_TRIMMED = """
def causal_conv1d(x, weight, dilation=1):
    k = weight.shape[-1]
    return F.conv1d(F.pad(x, ((k - 1) * dilation, 0)), weight)[..., :x.shape[-1]]
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
CAUSAL_K_D = """
def causal_conv1d(x, weight, dilation=1):
    k = weight.shape[-1]
    return F.conv1d(F.pad(x, (k * dilation, 0)), weight, dilation=dilation)
"""
CAUSAL_CUT_LAST = """
def causal_conv1d(x, weight, dilation=1):
    p = (weight.shape[-1] - 1) * dilation
    return F.conv1d(x, weight, padding=p, dilation=dilation)[..., :-p]
"""
CAUSAL_ZERO_FILL_OUTPUT = """
def causal_conv1d(x, weight, dilation=1):
    p = (weight.shape[-1] - 1) * dilation
    return F.pad(F.conv1d(x, weight, dilation=dilation), (p, 0))
"""
CAUSAL_REPLICATE = """
def causal_conv1d(x, weight, dilation=1):
    p = (weight.shape[-1] - 1) * dilation
    return F.conv1d(F.pad(x, (p, 0), mode="replicate"), weight, dilation=dilation)
"""
CAUSAL_K_FROM_C_IN = """
def causal_conv1d(x, weight, dilation=1):
    k = weight.shape[1]
    return F.conv1d(F.pad(x, ((k - 1) * dilation, 0)), weight, dilation=dilation)
"""
COST = "params_3d = {p3}\nmacs_3d = {m3}\nparams_2d = {p2}"
P3, M3, P2 = "96 * 48 * 27 + 96", "8 * 28 * 28 * 96 * 48 * 27", "96 * 384 * 9 + 96"
STACKS = 'causal_panels = {c}\nreal_inputs_A = {n}\nfuture_B = {f}'

MISTAKES = [
    ("ch03_clip_shape", "clip_shape = (2, 64, 8, 56, 56)", "does not simply halve"),   # "stride 2 halves everything"
    ("ch03_clip_shape", "clip_shape = (2, 64, 7, 56, 56)", "does not simply halve"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 8, 55, 55)", "rounds down"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 14, 55, 55)", "frames too"),
    ("ch03_clip_shape", "clip_shape = (2, 64, (16 - 3) / 2 + 1, (112 + 4 - 7) / 2 + 1, (112 + 4 - 7) / 2 + 1)", "rounds down (⌊·⌋, // in Python)"),   # / instead of //
    ("ch03_clip_shape", "clip_shape = (2, 64, 7, 53, 53)", "padding of 2"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 55, 55, 7)", "frames axis D comes before"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 6, 55, 55)", "+ 1 at the end"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 7, 54, 54)", "pad one side only"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 7, 57, 57)", "kernel size 3 on height"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 5, 55, 55)", "kernel size 7 on the frames"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 9, 55, 55)", "padding 2 on the frames"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 7, 110, 110)", "height and width too"),
    # Round-18b review: "a Conv3d keeps the frames" (every Conv3d the chapter shows has padding 1, stride 1) passed.
    ("ch03_clip_shape", "clip_shape = (2, 64, 16, 55, 55)", "keeps the frames only with stride 1"),
    # Round-18c review: these double slips passed every public check.
    ("ch03_clip_shape", "clip_shape = (2, 64, 13, 55, 55)", "the stride (2, 2, 2) applies to the frames too, and"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 10, 55, 55)", "D's kernel is 3 (kernel_size"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 4, 55, 55)", "D's kernel is 3, not 7"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 7, 52, 52)", "padding of 2 on height and width, and the + 1"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="8 * 26 * 26 * 96 * 48 * 27", p2=P2), "padding of height and width"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="6 * 28 * 28 * 96 * 48 * 27", p2=P2), "padding of the frames axis"),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=14, f=14), "position of B's rightmost orange input"),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=14, f=10), "at most 7 inputs"),
    ("ch03_frames_cost", COST.format(p3="96 * 48 * 27", m3=M3, p2=P2), "params_3d: you left out the bias"),
    ("ch03_frames_cost", COST.format(p3="96 * 48 * 9 + 96", m3=M3, p2=P2), "params_3d: you counted a 2D kernel's taps"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="8 * 28 * 28 * 96 * 48 * 9", p2=P2), "macs_3d: you counted a 2D kernel's taps"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="6 * 26 * 26 * 96 * 48 * 27", p2=P2), "as if there were no padding"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="10 * 30 * 30 * 96 * 48 * 27", p2=P2), "padded input's voxels"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="2 * " + M3, p2=P2), "two operations"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="8 * 28 * 28 * 96 * (48 * 27 + 1)", p2=P2), "you counted the bias"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="28 * 28 * 96 * 48 * 27", p2=P2), "a single frame"),
    ("ch03_frames_cost", COST.format(p3=P3, m3=M3, p2="96 * 384 * 27 + 96"), "gave the 2D kernel a frames axis"),
    ("ch03_frames_cost", COST.format(p3=P3, m3=M3, p2="96 * 384 * 9"), "left out the 2D layer's bias"),
    ("ch03_frames_cost", COST.format(p3=P3, m3=M3, p2="96 * 48 * 9 + 96"), "leaving out the frames that became channels"),
    ("ch03_frames_cost", COST.format(p3=P3, m3=M3, p2="8 * (" + P3 + ")"), "8 copies of the whole 3D layer"),
    # Round-18 review: forgetting the input channels everywhere passed every public check.
    ("ch03_frames_cost", COST.format(p3="96 * 27 + 96", m3=M3, p2=P2), "spans all its input channels"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="8 * 28 * 28 * 96 * 27", p2=P2), "spans all its input channels"),
    ("ch03_frames_cost", COST.format(p3=P3, m3=M3, p2="96 * 8 * 9 + 96"), "spans all its input channels"),
    ("ch03_frames_cost", COST.format(p3="96 * 27 + 96", m3="8 * 28 * 28 * 96 * 27", p2="96 * 8 * 9 + 96"),
     "spans all its input channels"),
    # Round-18b review: these four passed every public check.
    ("ch03_frames_cost", COST.format(p3=P3, m3="(96 * 48 * 27) * (96 * 8 * 28 * 28)", p2=P2), "counting the output channels twice"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="(96 * 48 * 27) * (48 * 8 * 28 * 28)", p2=P2), "by the input values"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="(96 * 48 * 27 + 96) * 96 * 8 * 28 * 28", p2=P2), "multiplied params_3d, bias included"),
    ("ch03_frames_cost", COST.format(p3=P3, m3=M3, p2="8 * 96 * 48 * 27"), "8 copies of the 3D layer's weights"),
    ("ch03_frames_cost", COST.format(p3=P3, m3=M3, p2="96 * 384 * 9 + 96 * 8"), "a bias per filter per frame"),
    ("ch03_frames_cost", COST.format(p3="96 * 48 * 9", m3=M3, p2=P2), "two slips: you counted a 2D kernel's taps, and you left out the bias"),
    # Round-19a review: k read from weight.shape[1] (C_in) got the k = 1 hint about x[..., :-0].
    ("ch03_causal_conv1d", CAUSAL_K_FROM_C_IN, "weight.shape[1]"),
    # Round-19a review: macs_3d without the output channels got only the generic "far too small" hint.
    ("ch03_frames_cost", COST.format(p3=P3, m3="8 * 28 * 28 * 48 * 27", p2=P2), "left out the output channels"),
    # Round-19a review: layer 1's row counted with its pink padding cell (8) passed every public check.
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=8, f=6), "layer 1, pink cell included"),
    # Round-19c review: padding for the dilated span, convolving undilated and trimming to L passed every check.
    ("ch03_causal_conv1d", CAUSAL_NO_DILATION_TRIMMED, "convolved without dilation= and trimmed"),
    # Round-19c review: kernel_size=3 read as a 1D kernel of 3 taps passed, alone or with its matching macs_3d.
    ("ch03_frames_cost", COST.format(p3="96 * 48 * 3 + 96", m3=M3, p2=P2), "params_3d: kernel_size=3 on a Conv3d sets 3"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="8 * 28 * 28 * 96 * 48 * 3", p2=P2), "macs_3d: kernel_size=3 on a Conv3d sets 3"),
    ("ch03_frames_cost", COST.format(p3="96 * 48 * 3 + 96", m3="8 * 28 * 28 * 96 * 48 * 3", p2=P2),
     "kernel_size=3 on a Conv3d sets 3 on every axis"),
    ("ch03_causal_conv1d", CAUSAL_NO_DILATION, "as if the kernel were not dilated"),
    ("ch03_causal_conv1d", CAUSAL_IGNORE_DILATION, "you ignored the dilation"),
    ("ch03_causal_conv1d", CAUSAL_SYMMETRIC, "reads inputs after t"),
    ("ch03_causal_conv1d", CAUSAL_RIGHT, "reads inputs after t"),
    ("ch03_causal_conv1d", CAUSAL_NO_DILATION_IN_CALL, "forgot dilation=dilation"),
    ("ch03_causal_conv1d", CAUSAL_K_D, "one tap's worth too many"),
    ("ch03_causal_conv1d", CAUSAL_BOTH_ENDS, "pads both ends"),
    ("ch03_causal_conv1d", CAUSAL_FLIPPED, "flipped the kernel"),
    ("ch03_causal_conv1d", CAUSAL_CUT_LAST, "k = 1"),
    ("ch03_causal_conv1d", CAUSAL_ZERO_FILL_OUTPUT, "not the output"),
    ("ch03_causal_conv1d", CAUSAL_REPLICATE, "replicate"),
    ("ch03_read_stacks", STACKS.format(c='{"A", "B", "C"}', n=14, f=6), "not every panel is causal"),
    ("ch03_read_stacks", STACKS.format(c="set()", n=14, f=6), "at least one panel is causal"),
    ("ch03_read_stacks", STACKS.format(c='{"A"}', n=14, f=6), "dilated or not"),
    ("ch03_read_stacks", STACKS.format(c='{"C"}', n=14, f=6), "not the future"),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=16, f=6), "receptive field, but part"),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=15, f=6), "pink padding zero as an input"),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=13, f=6), "off by one"),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=7, f=6), "row labelled layer 1"),
    ("ch03_read_stacks", STACKS.format(c='{"B", "C"}', n=14, f=6), "not reading no padding"),  # causal = reads no pink cell
    # panel B (3 centred layers of k = 5, t = 8) reads 6 inputs after t; the explorer offers k = 2, 3 only, and
    # the Explore bullets send the reader to t = 3 centred (8 inputs after t), not t = 9 (6 after t).
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=14, f=0), "follow every link"),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=14, f=2), "one layer"),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=14, f=4), "two layers"),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=14, f=7), "t=8 itself"),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=14, f=13), "every orange cell"),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=14, f=12), "except t itself"),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=14, f=15), "3 layers of 5 taps"),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=14, f=5), "subtracting the first position"),  # 14 − 9: fencepost
]

# The public checks must not pin the answer: plausible wrong answers beyond the named mistakes still pass them
# (the hidden tests catch these).
STILL_PASSING = [
    ("ch03_clip_shape", "clip_shape = (2, 64, 3, 55, 55)"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 7, 40, 40)"),
    ("ch03_clip_shape", "clip_shape = (2, 64, 11, 60, 60)"),
    ("ch03_frames_cost", COST.format(p3=P3, m3="8 * 32 * 32 * 96 * 48 * 27", p2=P2)),
    ("ch03_frames_cost", COST.format(p3=P3, m3=M3, p2="96 * 384 * 8 + 96")),
    ("ch03_frames_cost", COST.format(p3=P3, m3=M3, p2="96 * 384 * 10 + 96")),
    # causal_panels: 5 of the 7 wrong sets are named mistakes; two arbitrary ones pass (no visible check names a panel)
    ("ch03_read_stacks", STACKS.format(c='{"B"}', n=14, f=6)),
    ("ch03_read_stacks", STACKS.format(c='{"A", "B"}', n=14, f=6)),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=12, f=6)),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=10, f=6)),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=14, f=1)),
    ("ch03_read_stacks", STACKS.format(c='{"A", "C"}', n=14, f=3)),
]


@pytest.mark.parametrize("name, answer", STILL_PASSING, ids=[f"{n}-{i}" for i, (n, _) in enumerate(STILL_PASSING)])
def test_public_checks_do_not_pin_the_answer(name: str, answer: str) -> None:
    assert public_check_failures(NB, name, answer) == []


(test_usual_mistake_fails_with_a_hint_naming_it, test_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)


def test_the_exercises_open_with_a_cell_that_takes_the_counting_helpers_out_of_scope() -> None:
    # Round-4 review: conv_params(48, 96, (3, 3, 3)) answered part of exercise 2 in one call.
    assert_exercises_put_away(NB, ("conv_params", "conv_macs", "count"))


def test_no_visible_check_of_exercise_4_names_the_causal_panels() -> None:
    # Round-18 review: a visible `assert "B" not in causal_panels` gave half the first answer away.
    source = "\n".join(c.source for c in NB.cells if c.cell_type == "code" and "causal_panels" in c.source
                       and not c.source.lstrip().startswith("# HIDDEN") and "# SOLUTION" not in c.source)
    assert source, "exercise 4's public check cell was not found"
    assert '"B" not in causal_panels' not in source and '"B" in causal_panels' not in source
    assert "B's traced output: it reads the future" not in source


def test_exercise_3s_visible_checks_name_mistakes_without_dictating_the_fix() -> None:
    # Round-18b review: the visible checks said "pad the left only, with F.pad" and "pass dilation=dilation and pad
    # for the dilated kernel's span" before the student had tried.
    source = "\n".join(c.source for c in NB.cells if c.cell_type == "code" and "causal_conv1d(" in c.source
                       and not c.source.lstrip().startswith("# HIDDEN") and "# BEGIN SOLUTION" not in c.source)
    assert "_y = causal_conv1d" in source, "exercise 3's public check cell was not found"
    for fix in ("pad the left only", "pad on the left only", "pass dilation=dilation", "dilated kernel's span"):
        assert fix not in source, fix


def test_exercise_3s_visible_checks_hold_no_reference_convolution() -> None:
    # Round-18c review: a visible `_y[..., 4:] == F.conv1d(x, w, dilation=2)` spelled out the solution; the exact
    # comparison lives in the hidden test only.
    source = "\n".join(c.source for c in NB.cells if c.cell_type == "code" and "causal_conv1d(" in c.source
                       and not c.source.lstrip().startswith("# HIDDEN") and "# BEGIN SOLUTION" not in c.source)
    assert "_y = causal_conv1d" in source, "exercise 3's public check cell was not found"
    assert "F.conv1d(" not in source


def test_exercise_2s_visible_hints_name_slips_without_stating_the_right_quantities() -> None:
    # Round-19a review: opened together, the hints spelled out the recipe ("27 taps per input channel", "the output
    # stays 28×28", "keeps all 8 frames", "reads 48·8 input channels", "its kernel is 3×3").
    source = "\n".join(c.source for c in NB.cells if c.cell_type == "code" and "macs_3d" in c.source
                       and not c.source.lstrip().startswith("# HIDDEN") and "# SOLUTION" not in c.source)
    assert "_hints" in source, "exercise 2's public check cell was not found"
    for quantity in ("27 taps", "28×28", "all 8 frames", "48·8", "3×3×3", "is 3×3", "96 of them"):
        assert quantity not in source, quantity
