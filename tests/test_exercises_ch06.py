"""Chapter 06's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext
import pytest

from convlib.course.homework import public_check_failures

from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "06-dilated.md"
NB = jupytext.read(CHAPTER)

RF, PARAMS, MACS = "35", "4 * (48 * 48 * 9 + 48)", "4 * 96 * 96 * 48 * 48 * 9"
COST = "rf = {rf}\nparams = {params}\nmacs = {macs}"
FIGURE = "gridded = {gridded}\nrate_c = {rate}\nlargest_rate = {largest}"

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
DILATE_NO_PLUS_ONE = """
def dilate_kernel(weight, dilation):
    c_out, c_in, kh, kw = weight.shape
    out = weight.new_zeros(c_out, c_in, dilation * (kh - 1), dilation * (kw - 1))
    out[:, :, ::dilation, ::dilation] = weight
    return out
"""
DILATE_LATE_START = """
def dilate_kernel(weight, dilation):
    c_out, c_in, kh, kw = weight.shape
    out = weight.new_zeros(c_out, c_in, dilation * (kh - 1) + 1, dilation * (kw - 1) + 1)
    out[:, :, dilation - 1 :: dilation, dilation - 1 :: dilation] = weight
    return out
"""
DILATE_LATE_START_LOOP = """
def dilate_kernel(weight, dilation):
    c_out, c_in, kh, kw = weight.shape
    out = weight.new_zeros(c_out, c_in, dilation * (kh - 1) + 1, dilation * (kw - 1) + 1)
    for u in range(kh):
        for v in range(kw):
            out[:, :, u * dilation + dilation - 1, v * dilation + dilation - 1] = weight[:, :, u, v]
    return out
"""
DILATE_KRON = """
def dilate_kernel(weight, dilation):
    d = dilation
    corner = weight.new_zeros(d, d)
    corner[0, 0] = 1
    big = torch.kron(weight, corner)
    return big[..., : -(d - 1), : -(d - 1)]
"""
DILATE_LEAF_ZEROS = """
def dilate_kernel(weight, dilation):
    c_out, c_in, kh, kw = weight.shape
    out = torch.zeros(c_out, c_in, dilation * (kh - 1) + 1, dilation * (kw - 1) + 1,
                      dtype=weight.dtype, device=weight.device, requires_grad=True)
    out[:, :, ::dilation, ::dilation] = weight
    return out
"""
DILATE_K_PLUS_D = """
def dilate_kernel(weight, dilation):
    c_out, c_in, kh, kw = weight.shape
    out = weight.new_zeros(c_out, c_in, kh + dilation - 1, kw + dilation - 1)
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

def _cost(**wrong):
    return COST.format(**{"rf": RF, "params": PARAMS, "macs": MACS, **wrong})


def _figure(**wrong):
    return FIGURE.format(**{"gridded": '{"A", "C"}', "rate": 9, "largest": 13, **wrong})


MISTAKES = [
    ("ch06_output_shape", "shape = (2, 32, 21, 21)", "kernel as 3 wide"),
    ("ch06_output_shape", "shape = (2, 32, 16, 16)", "padding"),
    ("ch06_output_shape", "shape = ((40 - 3) // 2 + 1,) * 2\nshape = (2, 32) + shape", "dilation and the padding both"),
    ("ch06_output_shape", "shape = (2, 32, 17, 17)", "k′ = d·k"),
    ("ch06_output_shape", "shape = (2, 32, 36, 36)", "stride"),
    ("ch06_output_shape", "side = (40 + 2 * 2 - (4 * 3 + 1)) // 2 + 1\nshape = (2, 32, side, side)", "k′ = d·k + 1"),
    ("ch06_output_shape", "shape = (2, 32, (40 - 4 * 3) // 2 + 1, 15)", "left out the padding and also lost a 1"),
    ("ch06_output_shape", "shape = (2, 32, (40 - 9) // 2, 15)", "left out the padding and also lost a 1"),
    ("ch06_output_shape", "shape = (2, 32, (40 + 4 - (3 + 4 - 1)) // 2 + 1, 20)", "k′ = k + d − 1"),
    ("ch06_stack_cost", _cost(rf="1 + 4 * 2"), "as if undilated"),
    ("ch06_stack_cost", _cost(rf="1 + 3 * 17"), "not k·d"),
    ("ch06_stack_cost", _cost(rf="1 + 3 + 5 + 11 + 19"), "summing the effective sizes"),
    ("ch06_stack_cost", _cost(rf="2 * 17"), "starts at 1 pixel"),
    ("ch06_stack_cost", _cost(rf="19"), "dilation-9 layer alone"),
    ("ch06_stack_cost", _cost(rf="36"), "one pixel twice"),
    ("ch06_stack_cost", _cost(rf="3 + 5 + 11 + 19 - 1"), "shared pixel off only once"),
    ("ch06_stack_cost", _cost(rf="2 ** 5 - 1"), "doubling rates"),
    ("ch06_stack_cost", _cost(rf="1 + 1 + 2 + 5 + 9"), "added the rates themselves"),
    ("ch06_stack_cost", _cost(rf="1 + 2 + 5 + 9"), "added the rates themselves"),
    ("ch06_stack_cost", _cost(rf="1 + sum(3 + d - 1 - 1 for d in [1, 2, 5, 9])"), "k + d − 1"),
    ("ch06_stack_cost", _cost(rf="sum(3 + d - 1 for d in [1, 2, 5, 9])"), "k + d − 1"),
    ("ch06_stack_cost", _cost(params="sum(48 * 48 * (2 * d + 1) ** 2 + 48 for d in (1, 2, 5, 9))"), "dilated k′×k′ window"),
    ("ch06_stack_cost", _cost(params="4 * 48 * 48 * 9"), "forgot the biases"),
    ("ch06_stack_cost", _cost(params="4 * (48 * 9 + 48)"), "one per output channel"),
    ("ch06_stack_cost", _cost(params="4 * (48 * 48 * 3 + 48)"), "square the kernel size"),
    ("ch06_stack_cost", _cost(macs="4 * 96 * 96 * 48 * 48 * 3"), "square the kernel size"),
    ("ch06_stack_cost", _cost(params="4 * (48 * 48 * 9 + 1)"), "one bias per output channel"),
    ("ch06_stack_cost", _cost(params="4 * 48 * 48 * 9 + 48"), "48 biases once"),
    ("ch06_stack_cost", _cost(params="5 * (48 * 48 * 9 + 48)"), "count the layers"),
    ("ch06_stack_cost", _cost(params="48 * 48 * 9 + 48"), "one layer's parameters"),
    ("ch06_stack_cost", _cost(macs="sum(96 * 96 * 48 * 48 * (2 * d + 1) ** 2 for d in (1, 2, 5, 9))"), "dilated k′×k′ window"),
    ("ch06_stack_cost", _cost(macs="96 * 96 * 48 * 48 * 9"), "one layer"),
    ("ch06_stack_cost", _cost(macs="3 * 96 * 96 * 48 * 48 * 9"), "count the layers"),
    ("ch06_stack_cost", _cost(macs="2 * " + MACS), "FLOPs"),
    ("ch06_stack_cost", _cost(macs=MACS + " // 2"), "halved the count"),
    ("ch06_stack_cost", _cost(macs="4 * 96 * 96 * 48 * 9"), "48 output channels"),
    ("ch06_stack_cost", _cost(macs="4 * 96 * 96 * (48 * 48 * 9 + 48)"), "bias is an addition"),
    ("ch06_stack_cost", _cost(macs="sum((96 - 2 * d) ** 2 for d in (1, 2, 5, 9)) * 48 * 48 * 9"), "left out the padding"),
    ("ch06_stack_cost", _cost(macs="sum((96 + 2 - 2 * d) ** 2 for d in (1, 2, 5, 9)) * 48 * 48 * 9"), "padding 1 in every layer"),
    ("ch06_stack_cost", _cost(macs="sum(s * s for s in (96, 94, 86, 70)) * 48 * 48 * 9"), "padding 1 in every layer"),
    ("ch06_dilate_kernel", DILATE_TRAILING, "spans 3·(2−1)+1"),
    ("ch06_dilate_kernel", DILATE_DTYPE_LOST, "dtype"),
    ("ch06_dilate_kernel", DILATE_DETACHED, "gradients must flow"),
    ("ch06_dilate_kernel", DILATE_SWAPPED, "swapped height and width"),
    ("ch06_dilate_kernel", DILATE_CPU_ONLY, "weight's device"),
    ("ch06_dilate_kernel", DILATE_ONE_SIDE, "both sides from one dimension"),
    ("ch06_dilate_kernel", DILATE_NO_PLUS_ONE, "forget the + 1"),
    ("ch06_dilate_kernel", DILATE_LATE_START, "first tap sits at offset 0"),
    ("ch06_dilate_kernel", DILATE_LATE_START_LOOP, "first tap sits at offset 0"),
    ("ch06_dilate_kernel", DILATE_K_PLUS_D, "not k + d − 1"),
    ("ch06_dilate_kernel", DILATE_LEAF_ZEROS, "don't set requires_grad on the zeros"),
    ("ch06_dilate_kernel", DILATE_KRON, "when d − 1 is 0"),
    ("ch06_gridding_figure", _figure(gridded='{"A"}'), "any blue pixel"),
    ("ch06_gridding_figure", _figure(gridded='{"A", "B", "C", "D"}'), "uneven shades of red"),
    ("ch06_gridding_figure", _figure(gridded='{"A", "B", "C"}'), "uneven shades of red"),
    ("ch06_gridding_figure", _figure(gridded='{"A", "C", "D"}'), "uneven shades of red"),
    ("ch06_gridding_figure", _figure(gridded="set()"), "empty set"),
    ("ch06_gridding_figure", _figure(gridded='{"B", "D"}'), "pattern of their reds"),
    ("ch06_gridding_figure", _figure(gridded='{"A", "D"}'), "pattern of their reds"),
    ("ch06_gridding_figure", _figure(gridded='{"D"}'), "pattern of their reds"),
    ("ch06_gridding_figure", _figure(gridded='{"C"}'), "missed a panel"),
    # Round-19 review: {A, B} is two usual slips together (a lattice is needed; B's blocks look like a grid).
    ("ch06_gridding_figure", _figure(gridded='{"A", "B"}'), "two slips at once"),
    # Round-18 review: D's dark cross (or B's blocks) taken for structure; neither panel has a blue pixel.
    ("ch06_gridding_figure", _figure(gridded='{"C", "D"}'), "has no blue pixel"),
    ("ch06_gridding_figure", _figure(gridded='{"B", "C"}'), "has no blue pixel"),
    ("ch06_gridding_figure", _figure(gridded='{"B", "C", "D"}'), "has no blue pixel"),
    ("ch06_gridding_figure", _figure(rate=10), "one off"),
    ("ch06_gridding_figure", _figure(rate="(25 - 1) // 2 - 1"), "rate 1 only"),
    ("ch06_gridding_figure", _figure(rate=18), "not its rate"),
    ("ch06_gridding_figure", _figure(rate=25), "not a rate"),
    ("ch06_gridding_figure", _figure(rate=12), "third alone"),
    ("ch06_gridding_figure", _figure(rate=8), "summing the effective sizes"),
    ("ch06_gridding_figure", _figure(rate=19), "effective size k′, not its rate"),
    ("ch06_gridding_figure", _figure(rate="25 - 1 - (1 + 2)"), "added the rates themselves"),
    ("ch06_gridding_figure", _figure(largest=7), "bound for 3×3 kernels"),
    ("ch06_gridding_figure", _figure(largest=12), "at most the reach"),
    ("ch06_gridding_figure", _figure(largest=5), "example 1, 2, 5"),
    ("ch06_gridding_figure", _figure(largest=4), "factor k − 1"),
    ("ch06_gridding_figure", _figure(largest=3), "plain sum"),
    ("ch06_gridding_figure", _figure(largest=16), "factor k where"),
    ("ch06_gridding_figure", _figure(largest=14), "largest offset covered"),
    ("ch06_gridding_figure", _figure(largest="1 + 4 * 2"), "rate just before only"),
    ("ch06_gridding_figure", _figure(largest="1 + 4 * 1"), "first rate only"),
    ("ch06_gridding_figure", _figure(largest=4 * 3 - 1), "< where the hole-free rule has ≤ 1 +"),
    ("ch06_gridding_figure", _figure(largest="5 * (1 + 2)"), "factor k where the rule has k − 1 and dropped"),
]

# Wrong answers that no public check names still pass publicly, so the check cell does not pin the answer
# (the hidden tests reject them).
UNPINNED = [
    ("ch06_output_shape", "shape = (2, 32, 14, 14)"),
    ("ch06_output_shape", "shape = (2, 32, 13, 13)"),
    ("ch06_stack_cost", _cost(rf="33")),
    ("ch06_stack_cost", _cost(rf="32")),
    # Part (a): two subsets that no single usual slip produces stay open.
    ("ch06_gridding_figure", _figure(gridded='{"B"}')),
    ("ch06_gridding_figure", _figure(gridded='{"A", "B", "D"}')),
    ("ch06_gridding_figure", _figure(rate=7, largest=10)),
    ("ch06_gridding_figure", _figure(rate=13, largest=20)),
    ("ch06_gridding_figure", _figure(rate=6, largest=17)),
    ("ch06_stack_cost", _cost(params="4 * (48 * 48 * 9 + 48) + 7")),
]


@pytest.mark.parametrize("name, answer", UNPINNED, ids=[f"{n}-{i}" for i, (n, _) in enumerate(UNPINNED)])
def test_public_checks_leave_plausible_wrong_answers_open(name: str, answer: str) -> None:
    assert public_check_failures(NB, name, answer) == []


def test_part_a_leaves_at_least_two_wrong_subsets_open() -> None:
    """Part (a) has only 16 answers: the public checks must not single out {A, C} by elimination."""
    import itertools

    import matplotlib.pyplot as plt

    wrong = [set(c) for n in range(5) for c in itertools.combinations("ABCD", n) if set(c) != {"A", "C"}]
    open_subsets = []
    for g in wrong:
        if public_check_failures(NB, "ch06_gridding_figure", _figure(gridded=repr(g) if g else "set()")) == []:
            open_subsets.append(g)
        plt.close("all")  # the check cell draws the figure once per subset
    assert len(open_subsets) >= 2, f"only {open_subsets} of the 15 wrong subsets pass the public checks"
    assert {"A", "B"} not in open_subsets, "{A, B} is two usual slips together: a public check must name it"


def test_page_before_the_exercises_does_not_name_the_figure_exercises_hidden_rates() -> None:
    """The downloadable notebook keeps remove-cells: none may hold the rate triples Exercise 4's figure hides."""
    import ast
    import re

    source = CHAPTER.read_text()
    match = re.search(r"^mystery = (\{.*\})$", source, flags=re.M)
    assert match, "Exercise 4's figure cell should define the hidden rates as `mystery = {...}`"
    mystery = ast.literal_eval(match.group(1))
    assert len(mystery) == 4
    before = source.split("## Exercises")[0]
    for label, rates in mystery.items():
        # the triple as a whole list of numbers, not a slice of a longer one such as a shape (1, 1, 3, 3)
        pattern = r"(?<![\d.])(?<!\d, )" + r",\s*".join(map(str, rates)) + r"(?![\d.])(?!,\s*\d)"
        found = re.search(pattern, before)
        assert not found, f"panel {label}'s hidden rates {rates} appear before the exercises: {found and found.group()}"


(test_usual_mistake_fails_with_a_hint_naming_it, test_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)
