"""Chapter 07's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext

import pytest

from convlib.course.homework import public_check_failures
from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "07-separable.md"
NB = jupytext.read(CHAPTER)

SEPARATE_UNSCALED = """
def separate(kernel, tol=1e-6):
    u, s, vh = torch.linalg.svd(kernel)
    if len(s) > 1 and s[1] > tol * s[0]:
        raise ValueError("not separable")
    return u[:, 0], vh[0]
"""
SEPARATE_NEVER_RAISES = """
def separate(kernel, tol=1e-6):
    u, s, vh = torch.linalg.svd(kernel)
    return u[:, 0] * s[0].sqrt(), vh[0] * s[0].sqrt()
"""
SEPARATE_SWAPPED = """
def separate(kernel, tol=1e-6):
    u, s, vh = torch.linalg.svd(kernel)
    if len(s) > 1 and s[1] > tol * s[0]:
        raise ValueError("not separable")
    return vh[0] * s[0].sqrt(), u[:, 0] * s[0].sqrt()
"""
SEPARATE_VH_COLUMN = """
def separate(kernel, tol=1e-6):
    u, s, vh = torch.linalg.svd(kernel, full_matrices=False)
    if len(s) > 1 and s[1] > tol * s[0]:
        raise ValueError("not separable")
    return u[:, 0] * s[0].sqrt(), vh.T[0] * s[0].sqrt()
"""
SEPARATE_ALWAYS_FLOAT32 = """
def separate(kernel, tol=1e-6):
    u, s, vh = torch.linalg.svd(kernel.float())
    if len(s) > 1 and s[1] > tol * s[0]:
        raise ValueError("not separable")
    return u[:, 0] * s[0].sqrt(), vh[0] * s[0].sqrt()
"""
SEPARATE_DOUBLE_NOT_CAST_BACK = """
def separate(kernel, tol=1e-6):
    u, s, vh = torch.linalg.svd(kernel.double())
    if len(s) > 1 and s[1] > tol * s[0]:
        raise ValueError("not separable")
    return u[:, 0] * s[0].sqrt(), vh[0] * s[0].sqrt()
"""
SEPARATE_CALLS_CONVLIB = """
def separate(kernel, tol=1e-6):
    return sep.separate(kernel, tol)
"""
SEPARATE_CALLS_LOW_RANK = """
def separate(kernel, tol=1e-6):
    return sep.low_rank_factors(kernel, 1)
"""
SEPARATE_ASSERTS = """
def separate(kernel, tol=1e-6):
    u, s, vh = torch.linalg.svd(kernel.double())
    assert len(s) < 2 or s[1] <= tol * s[0], "kernel is not separable"
    return (u[:, 0] * s[0].sqrt()).to(kernel.dtype), (vh[0] * s[0].sqrt()).to(kernel.dtype)
"""
COST = "full_mults = {f}\nseparable_mults = {s}"
SEPARATE_NO_LENGTH_GUARD = """
def separate(kernel, tol=1e-6):
    u, s, vh = torch.linalg.svd(kernel.double())
    if s[1] > tol * s[0]:
        raise ValueError("not separable")
    return (u[:, 0] * s[0].sqrt()).to(kernel.dtype), (vh[0] * s[0].sqrt()).to(kernel.dtype)
"""
SEPARATE_LAST_SINGULAR = """
def separate(kernel, tol=1e-6):
    u, s, vh = torch.linalg.svd(kernel.double())
    if len(s) > 1 and s[-1] > tol * s[0]:
        raise ValueError("not separable")
    return (u[:, 0] * s[0].sqrt()).to(kernel.dtype), (vh[0] * s[0].sqrt()).to(kernel.dtype)
"""
SEPARATE_LAST_SINGULAR_NO_GUARD = """
def separate(kernel, tol=1e-6):
    u, s, vh = torch.linalg.svd(kernel.double())
    if s[-1] > tol * s[0]:
        raise ValueError("not separable")
    return (u[:, 0] * s[0].sqrt()).to(kernel.dtype), (vh[0] * s[0].sqrt()).to(kernel.dtype)
"""
SEPARATE_RAISES_FOR_ONE_ROW = """
def separate(kernel, tol=1e-6):
    u, s, vh = torch.linalg.svd(kernel.double())
    if len(s) < 2 or s[1] > tol * s[0]:
        raise ValueError("not separable")
    return (u[:, 0] * s[0].sqrt()).to(kernel.dtype), (vh[0] * s[0].sqrt()).to(kernel.dtype)
"""
SEPARATE_IGNORES_TOL = """
def separate(kernel, tol=1e-6):
    u, s, vh = torch.linalg.svd(kernel.double())
    if len(s) > 1 and s[1] > 1e-6 * s[0]:
        raise ValueError("not separable")
    return (u[:, 0] * s[0].sqrt()).to(kernel.dtype), (vh[0] * s[0].sqrt()).to(kernel.dtype)
"""

SEPARATE_MATRIX_RANK = """
def separate(kernel, tol=1e-6):
    if torch.linalg.matrix_rank(kernel) > 1:
        raise ValueError("not separable")
    u, s, vh = torch.linalg.svd(kernel.double())
    return (u[:, 0] * s[0].sqrt()).to(kernel.dtype), (vh[0] * s[0].sqrt()).to(kernel.dtype)
"""

SEPARATE_ABSOLUTE_TOLERANCE = """
def separate(kernel, tol=1e-6):
    u, s, vh = torch.linalg.svd(kernel.double())
    if len(s) > 1 and s[1] > tol:
        raise ValueError("not separable")
    return (u[:, 0] * s[0].sqrt()).to(kernel.dtype), (vh[0] * s[0].sqrt()).to(kernel.dtype)
"""

MISTAKES = [
    ("ch07_pair_shape", "shape = (2, 6, 9, 26)", "stride 2 also halves the width"),
    ("ch07_pair_shape", "shape = (2, 6, 9, 15)", "shrinks the width before"),
    ("ch07_pair_shape", "shape = (2, 6, 8, 13)", "without padding"),
    ("ch07_pair_shape", "shape = (2, 6, 8, 14)", "(width, height)"),       # every pair read (W, H), or only the padding
    ("ch07_pair_shape", "shape = (2, 6, 18, 13)", "halves the height too"),
    ("ch07_pair_shape", "shape = (2, 6, 8, 12)", "one short"),                 # the + 1 left out
    ("ch07_pair_shape", "shape = (2, 6, 10, 13)", "rounded up"),                   # ⌈17/2⌉ for the height
    ("ch07_pair_shape", "shape = (2, 6, 10, 14)", "rounded up"),                   # both rounded up
    ("ch07_pair_shape", "shape = (2, 6, 9, 12)", "1 wide"),                        # (5, 1) and (1, 0) read as the width's
    ("ch07_pair_shape", "shape = (2, 6, 9, 12)", "the + 1"),                       # the + 1 left out on the width only
    ("ch07_pair_shape", "shape = (2, 12, 9, 13)", "its out_channels"),             # the first layer's channels
    ("ch07_pair_shape", "shape = (2, 8, 9, 13)", "its out_channels"),              # the input's channels
    ("ch07_pair_shape", "shape = (8, 6, 9, 13)", "batch size"),                    # channels read as the batch
    ("ch07_pair_shape", "shape = (2, 6, 11, 11)", "height first"),                 # (5, 1) read as 1 tall, 5 wide
    ("ch07_pair_shape", "shape = (2, 6, 10, 12)", "height first"),                 # (5, 1) and (1, 0) both read (W, H)
    ("ch07_pair_shape", "shape = (2, 6, 13, 9)", "height before the width"),          # H and W written the wrong way round
    ("ch07_pair_shape", "shape = (2, 6, 7, 13)", "does not shrink the height"),     # the 1×5 kernel read as shrinking H
    ("ch07_pair_shape", "shape = (2, 6, 4, 7)", "only the second layer has stride 2"),  # stride 2 on both layers
    ("ch07_pair_shape", "shape = (2, 6, 9, 11)", "1 wide: it shrinks only the height"),  # (5, 1) applied as 5 both ways
    ("ch07_pair_shape", "shape = (2, 6, 11, 13)", "leaves out the second layer's kernel"),  # the 5 not subtracted
    ("ch07_separable_cost", COST.format(f="49", s="14"), "one output pixel"),       # the per-pixel count
    ("ch07_separable_cost", COST.format(f="2 * 20 * 36 * 49", s="2 * (20 * 40 * 7 + 20 * 36 * 7)"), "FLOP"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="2 * (20 * 40 * 7 + 20 * 36 * 7)"), "FLOP"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="2 * 20 * 36 * 7"), "2/m shortcut"),     # 2/7 of the full count
    ("ch07_separable_cost", COST.format(f="26 * 42 * 49", s="26 * 40 * 7 + 26 * 42 * 7"), "every position of the padded image"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="26 * 40 * 7 + 26 * 42 * 7"), "every position of the padded image"),
    ("ch07_separable_cost", COST.format(f="26 * 42 * 49", s="20 * 40 * 7 + 20 * 36 * 7"), "every position of the padded image"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="2 * 24 * 40 * 7"), "both passes at the input size"),
    ("ch07_separable_cost", COST.format(f="18 * 34 * 49", s="18 * 40 * 7 + 18 * 34 * 7"), "padding=1 adds"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="18 * 40 * 7 + 18 * 34 * 7"), "padding=1 adds"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="24 * 40 * 7 + 20 * 36 * 7"), "7×1 pass at the input size"),
    ("ch07_separable_cost", COST.format(f="24 * 40 * 49", s="20 * 40 * 7 + 20 * 36 * 7"),  # "padding keeps the size"
     "padding 1 does not keep the size"),
    ("ch07_separable_cost", COST.format(f="19 * 35 * 49", s="19 * 40 * 7 + 19 * 35 * 7"), "one short"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="2 * 20 * 40 * 7"), "both passes at the same size"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="20 * 42 * 7 + 20 * 38 * 7"), "the 7×1 pass padded on all four sides"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="20 * 42 * 7 + 22 * 38 * 7"),  # padding=1 on both F.conv2d calls
     "both passes padded on all four sides"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="20 * 40 * 7 + 22 * 36 * 7"), "the 1×7 pass padded on all four sides"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49 + 20 * 36", s="20 * 40 * 7 + 20 * 36 * 7"), "a bias is an addition"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="20 * 40 * 7 + 20 * 36 * 7 + 20 * 36"), "a bias is an addition"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="20 * 40 * 7 + 20 * 36 * 7 + 20 * 40 + 20 * 36"),
     "a bias is an addition"),                                                  # a bias after each pass
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="20 * 40 * 7 + 20 * 34 * 7"), "1×7 pass forgot its padding"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="18 * 40 * 7 + 18 * 36 * 7"), "7×1 pass forgot its padding"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="20 * 42 * 7 + 20 * 36 * 7"), "pads only the top and bottom"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="24 * 36 * 7 + 20 * 36 * 7"), "keeps the width"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="20 * 40 * 7"), "that is one pass"),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="20 * 40 * 7 + 24 * 36 * 7"), "1×7 pass at the input's height"),
    ("ch07_separate", SEPARATE_UNSCALED, "σ₁"),
    ("ch07_separate", SEPARATE_NEVER_RAISES, "ValueError"),
    ("ch07_separate", SEPARATE_SWAPPED, "kH = 2"),
    ("ch07_separate", SEPARATE_VH_COLUMN, "a row of kW = 4"),
    ("ch07_separate", SEPARATE_ALWAYS_FLOAT32, "own dtype"),
    ("ch07_separate", SEPARATE_DOUBLE_NOT_CAST_BACK, "own dtype"),         # float64 factors for a float32 kernel
    ("ch07_separate", SEPARATE_NO_LENGTH_GUARD, "check len(s)"),
    ("ch07_separate", SEPARATE_ABSOLUTE_TOLERANCE, "not tol alone"),
    ("ch07_separate", SEPARATE_IGNORES_TOL, "ignored its tol"),             # a fixed 1e-6 in place of tol
    ("ch07_separate", SEPARATE_MATRIX_RANK, "ignored its tol"),             # matrix_rank's own tolerance in place of tol
    ("ch07_separate", SEPARATE_LAST_SINGULAR, "not the last"),
    ("ch07_separate", SEPARATE_LAST_SINGULAR_NO_GUARD, "not the last"),   # s[-1] without a length check
    ("ch07_separate", SEPARATE_RAISES_FOR_ONE_ROW, "no σ₂ to test"),        # a single singular value read as not separable
    ("ch07_separate", SEPARATE_CALLS_CONVLIB, "called convlib"),
    ("ch07_separate", SEPARATE_ASSERTS, "not assert"),
    ("ch07_separate", SEPARATE_CALLS_LOW_RANK, "called convlib"),
    ("ch07_spectrum", 'separable_kernels = {"A"}\nrank_of_c = 3', "you left out a kernel"),
    ("ch07_spectrum", 'separable_kernels = {"D"}\nrank_of_c = 3', "you left out a kernel"),
    ("ch07_spectrum", 'separable_kernels = {"A", "C", "D"}\nrank_of_c = 3', "only some bars at zero"),  # "C has zero bars"
    ("ch07_spectrum", 'separable_kernels = {"C", "D"}\nrank_of_c = 3', "only some bars at zero"),
    ("ch07_spectrum", 'separable_kernels = set()\nrank_of_c = 3', "none separable"),
    ("ch07_spectrum", 'separable_kernels = {"A", "B", "C", "D"}\nrank_of_c = 3', "bars after the first are clearly above zero"),
    ("ch07_spectrum", 'separable_kernels = {"A", "B", "D"}\nrank_of_c = 3', "bars after the first are clearly above zero"),
    ("ch07_spectrum", 'separable_kernels = {"B", "C"}\nrank_of_c = 3', "sums of several separable pieces"),  # read backwards
    ("ch07_spectrum", 'separable_kernels = {"B"}\nrank_of_c = 3', "full rank, the opposite of separable"),   # read backwards
    ("ch07_spectrum", 'separable_kernels = {"A", "D"}\nrank_of_c = 5', "not all five bars"),  # every bar counted, zeros too
    ("ch07_spectrum", 'separable_kernels = {"A", "D"}\nrank_of_c = 7', "between 0 and 5"),
    ("ch07_spectrum", 'separable_kernels = {"A", "D"}\nrank_of_c = 1', "rank 1 would make C separable"),  # the first bar only
]

(test_usual_mistake_fails_with_a_hint_naming_it, test_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)


# The ruling on public checks as oracles: besides the named mistakes, at least two arbitrary wrong
# answers (no usual mistake gives them) still pass the public checks (the hidden tests exclude them),
# so the check cells do not pin the answer.
STILL_PASS = [
    ("ch07_pair_shape", "shape = (2, 6, 12, 16)"),                                # neutral values, no known mistake
    ("ch07_pair_shape", "shape = (2, 6, 16, 20)"),
    ("ch07_pair_shape", "shape = (2, 7, 9, 13)"),                                 # the channels are not pinned either
    ("ch07_separable_cost", COST.format(f="49 * 650", s="20 * 40 * 7 + 20 * 36 * 7")),
    ("ch07_separable_cost", COST.format(f="20 * 36 * 49", s="7 * 1450")),
    ("ch07_spectrum", 'separable_kernels = {"B", "D"}\nrank_of_c = 3'),
    ("ch07_spectrum", 'separable_kernels = {"A", "B"}\nrank_of_c = 3'),          # B counted and D left out: two slips at once
    ("ch07_spectrum", 'separable_kernels = {"A", "D"}\nrank_of_c = 2'),      # plausible miscounts of C's bars:
    ("ch07_spectrum", 'separable_kernels = {"A", "D"}\nrank_of_c = 4'),      # the hidden test catches them
]


@pytest.mark.parametrize("name, answer", STILL_PASS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(STILL_PASS)])
def test_public_checks_leave_plausible_wrong_answers_to_the_hidden_tests(name: str, answer: str) -> None:
    assert public_check_failures(NB, name, answer) == []
