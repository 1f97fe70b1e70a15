"""Chapter 13's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib
import re

import jupytext

from convlib.course.homework import public_check_failures, question_cells

from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "13-inception.md"
NB = jupytext.read(CHAPTER)

SHAPE = "shape = {}"
COST = "naive_macs = {}\nreduced_macs = {}"
READ = 'costliest_block = "{}"\ncostliest_branch = "{}"'
NAIVE, REDUCED = "5 * 5 * 528 * 128 * 14 * 14", "528 * 32 * 14 * 14 + 5 * 5 * 32 * 128 * 14 * 14"


def _inception(p3: int = 1, p5: int = 2, pool: str = "F.max_pool2d(x, 3, stride=1, padding=1)", relu_mid: bool = True,
               relu_out: bool = True, order: str = "b1, b2, b3, b4") -> str:
    """A student's answer to exercise 3, with one piece swapped for a usual mistake."""
    r = "torch.relu" if relu_out else ""
    m = "torch.relu" if relu_mid else ""
    return f"""
def inception(x, w1, w3_reduce, w3, w5_reduce, w5, w_pool):
    b1 = {r}(F.conv2d(x, w1))
    b2 = {r}(F.conv2d({m}(F.conv2d(x, w3_reduce)), w3, padding={p3}))
    b3 = {r}(F.conv2d({m}(F.conv2d(x, w5_reduce)), w5, padding={p5}))
    b4 = {r}(F.conv2d({pool}, w_pool))
    return torch.cat([{order}], dim=1)
"""


MISTAKES = [
    # ch13_block_shape: inception(4e), 528 → 256 + 320 + 128 + 128 = 832 at 14×14
    ("ch13_block_shape", SHAPE.format((8, 832 + 160 + 32, 14, 14)), "reduction widths"),
    ("ch13_block_shape", SHAPE.format((8, 256 + 320 + 128 + 528, 14, 14)), "projection to 128"),
    ("ch13_block_shape", SHAPE.format((8, 256 + 320 + 128, 14, 14)), "leave out a branch"),
    ("ch13_block_shape", SHAPE.format((8, 256 + 128 + 128, 14, 14)), "leave out a branch"),
    ("ch13_block_shape", SHAPE.format((8, 320 + 128 + 128, 14, 14)), "leave out a branch"),
    ("ch13_block_shape", SHAPE.format((8, 256 + 160 + 32 + 128, 14, 14)), "take a reduction's width (160, 32)"),
    ("ch13_block_shape", SHAPE.format((8, 14, 14, 832)), "(N, C, H, W)"),
    ("ch13_block_shape", SHAPE.format((8, 832, 12, 12)), "keeps H and W"),
    ("ch13_block_shape", SHAPE.format((8, 832, 7, 7)), "keeps H and W"),
    ("ch13_block_shape", SHAPE.format((8, 528, 14, 14)), "sum of the branch widths"),
    ("ch13_block_shape", SHAPE.format((1, 832, 14, 14)), "batch size stays 8"),
    ("ch13_block_shape", SHAPE.format([8, 832, 14, 14]), "tuple of 4 ints"),
    # ch13_reduction_cost
    ("ch13_reduction_cost", COST.format(NAIVE, "5 * 5 * 32 * 128 * 14 * 14"), "add the 1×1 reduction"),
    ("ch13_reduction_cost", COST.format("5 * 5 * 528 * 128 * 28 * 28", "528 * 32 * 28 * 28 + 5 * 5 * 32 * 128 * 28 * 28"),
     "14×14 map"),
    ("ch13_reduction_cost", COST.format("3 * 3 * 528 * 128 * 14 * 14", REDUCED), "25 taps"),
    ("ch13_reduction_cost", COST.format(f"{NAIVE} + 128 * 14 * 14", REDUCED), "add biases"),
    ("ch13_reduction_cost", COST.format(REDUCED, NAIVE), "cheaper"),
    ("ch13_reduction_cost", COST.format("5 * 5 * 528 * 128", "528 * 32 + 5 * 5 * 32 * 128"), "multiple of 196"),
    ("ch13_reduction_cost", COST.format(f"float({NAIVE})", REDUCED), "should be ints"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 128 * 14 * 14 + 5 * 5 * 32 * 128 * 14 * 14"), "32 channels, not 128"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 14 * 14 + 3 * 3 * 32 * 128 * 14 * 14"), "not torchvision's 3×3"),
    ("ch13_reduction_cost", COST.format(f"2 * {NAIVE}", f"2 * ({REDUCED})"), "two operations"),
    ("ch13_reduction_cost", COST.format(NAIVE, f"2 * ({REDUCED})"), "two operations"),
    ("ch13_reduction_cost", COST.format(NAIVE, f"{REDUCED} + 32 * 14 * 14 + 128 * 14 * 14"), "added the biases"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 14 * 14 + 5 * 5 * 528 * 32 * 14 * 14"),
     "32 reduced channels"),
    # the reduction counted, but the 5×5 left reading all 528 channels (the mistake the exercise is about)
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 14 * 14 + 5 * 5 * 528 * 128 * 14 * 14"),
     "still reads all 528 input channels"),
    # the whole reduced block of 4e instead of its 5×5 branch, with the right naive branch or the whole naive block
    ("ch13_reduction_cost", COST.format(NAIVE, "inception_macs(528, 256, 160, 320, 32, 128, 128, size=14)"),
     "did you count the whole block"),
    ("ch13_reduction_cost", COST.format("inception_macs(528, 256, 160, 320, 32, 128, 128, size=14, reduce=False)",
                                        "inception_macs(528, 256, 160, 320, 32, 128, 128, size=14)"),
     "did you count the whole block"),
    # computed at 7×7 (5a's and 5b's map) instead of 14×14
    ("ch13_reduction_cost", COST.format("5 * 5 * 528 * 128 * 7 * 7", "528 * 32 * 7 * 7 + 5 * 5 * 32 * 128 * 7 * 7"),
     "Block 4e works on a 14×14 map"),
        ("ch13_reduction_cost", COST.format(NAIVE, "528 * 14 * 14 + 5 * 5 * 32 * 128 * 14 * 14"), "each of its 32·14·14 values"),
    # the naive count taken for the whole naive block of 4e, the reduced one for the branch
    ("ch13_reduction_cost", COST.format("inception_macs(528, 256, 160, 320, 32, 128, 128, size=14, reduce=False)", REDUCED),
     "the whole naive block"),
    ("ch13_reduction_cost", COST.format("5 * 5 * 528 * 32 * 14 * 14", REDUCED), "writes all 128 channels (not 32)"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 14 * 14 + 5 * 5 * 32 * 32 * 14 * 14"), "still writes the branch's 128"),
    # ch13_inception_function
    ("ch13_inception_function", _inception(p3=0), "3×3 branch makes the map smaller"),
    ("ch13_inception_function", _inception(p5=1), "5×5 branch makes the map smaller"),
    ("ch13_inception_function", _inception(p3=2, p5=3), "3×3 branch makes the map larger"),
    ("ch13_inception_function", _inception().replace("F.conv2d(x, w1)", "F.conv2d(x, w1, padding=1)"),
     "1×1 branch makes the map larger than the input's 9×9: a 1×1 convolution needs no padding"),
    ("ch13_inception_function", _inception().replace("w3_reduce)", "w3_reduce, padding=1)"),
     "3×3 branch makes the map larger than the input's 9×9: pad the 3×3 convolution by 1 (k // 2), its 1×1 reduction by 0"),
    ("ch13_inception_function", _inception().replace("w1)", "w1, padding=1)")
     .replace("w3_reduce)", "w3_reduce, padding=1)").replace("w5_reduce)", "w5_reduce, padding=1)")
     .replace("w_pool)", "w_pool, padding=1)").replace("padding=2", "padding=1"), "1×1 branch makes the map larger"),
    ("ch13_inception_function", _inception().replace("w_pool)", "w_pool, padding=1)"), "the projection none"),
    ("ch13_inception_function", _inception(pool="F.max_pool2d(x, 3, padding=1)"), "stride=1"),
    ("ch13_inception_function", _inception(relu_out=False, relu_mid=False), "followed by a ReLU"),
    ("ch13_inception_function", _inception(relu_mid=False), "3×3 branch: 1×1 reduction, ReLU"),
    ("ch13_inception_function", _inception(pool="F.avg_pool2d(x, 3, stride=1, padding=1)"), "max pooling (not average)"),
    ("ch13_inception_function", _inception(order="b4, b1, b2, b3"), "in the order 1×1, 3×3, 5×5, pool"),
    ("ch13_inception_function", _inception().replace("F.conv2d(F.max_pool2d(x, 3, stride=1, padding=1), w_pool)",
                                                     "F.max_pool2d(x, 3, stride=1, padding=1)"), "the 1×1 projection w_pool"),
        ("ch13_inception_function", _inception(order="b1, b3, b2, b4"), "right, but in another order"),
    ("ch13_inception_function", _inception().replace("dim=1)", "dim=0)"), "along dim=1"),
    ("ch13_inception_function", _inception().replace("torch.cat(", "torch.stack("), "torch.stack adds a new axis"),
    # ch13_read_costs
    ("ch13_read_costs", READ.format("5b", "3x3"), "7×7 map"),
    ("ch13_read_costs", READ.format("4e", "3x3"), "all nine bars"),
    ("ch13_read_costs", READ.format("5a", "3x3"), "5a works on a 7×7 map"),
    ("ch13_read_costs", READ.format("3a", "3x3"), "the block the chapter drew"),
    ("ch13_read_costs", READ.format("3b", "5x5"), "its branch is narrow"),
    ("ch13_read_costs", READ.format("4f", "3x3"), "nine block names"),
    ("ch13_read_costs", READ.format("3b", "3×3"), "'1x1', '3x3', '5x5' or 'pool'"),
]


(test_usual_mistake_fails_the_public_checks_with_a_hint_naming_it,
 test_the_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)


def test_public_checks_name_no_small_multiple_or_fraction_of_a_numeric_answer() -> None:
    """A public check comparing against twice (or half) the answer gives the answer away."""
    answers = {"ch13_block_shape": [832], "ch13_reduction_cost": [331_161_600, 23_382_016]}
    for name, values in answers.items():
        public = "\n".join(cell.source for cell in question_cells(NB, name)["public"])
        literals = {int(v.replace("_", "")) for v in re.findall(r"\b\d[\d_]*\b", public)}
        for value in values:
            near = {value * k for k in (1, 2, 3, 4)} | {value // k for k in (2, 4) if value % k == 0}
            assert not literals & near, f"{name}: a public check names {literals & near}, a trivial transform of the answer"


def test_exercise_4s_public_checks_leave_wrong_blocks_and_branches_open() -> None:
    """The ruling on oracles: besides the named misreadings, at least two wrong blocks and two wrong branches
    pass the public checks, so the answer cannot be found by trying names against them."""
    for block, branch in [("4a", "1x1"), ("4c", "pool")]:
        assert public_check_failures(NB, "ch13_read_costs", READ.format(block, branch)) == [], (block, branch)
