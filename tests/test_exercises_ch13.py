"""Chapter 13's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib
import re

import jupytext

from convlib.course.homework import public_check_failures, question_cells

from planting import assert_exercises_put_away, planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "13-inception.md"
NB = jupytext.read(CHAPTER)

SHAPE = "shape = {}"
COST = "naive_macs = {}\nreduced_macs = {}\nbreak_even = 454"
READ = 'gap_branch = "{}"\ngap_ratio = {}\npixel_factor = {}'
NAIVE, REDUCED = "5 * 5 * 528 * 128 * 14 * 14", "528 * 32 * 14 * 14 + 5 * 5 * 32 * 128 * 14 * 14"
EVEN = f"naive_macs = {NAIVE}\nreduced_macs = {REDUCED}\nbreak_even = {{}}"


def _block(row_pad: str = "(0, n // 2)", col_pad: str = "(n // 2, 0)", pool: str = "F.avg_pool2d(x, 3, stride=1, padding=1)",
           relu_mid: bool = True, relu_out: bool = True, order: str = "b1, b2, b3", swap: bool = False) -> str:
    """A student's answer to exercise 3, with one piece swapped for a usual mistake."""
    r = "torch.relu" if relu_out else ""
    m = "torch.relu" if relu_mid else ""
    first, second = ("w_col", "w_row") if swap else ("w_row", "w_col")
    return f"""
def factorised_block(x, w1, w_reduce, w_row, w_col, w_pool):
    n = w_row.shape[-1]
    b1 = {r}(F.conv2d(x, w1))
    b2 = {m}(F.conv2d({m}(F.conv2d(x, w_reduce)), {first}, padding={row_pad}))
    b2 = {r}(F.conv2d(b2, {second}, padding={col_pad}))
    b3 = {r}(F.conv2d({pool}, w_pool))
    return torch.cat([{order}], dim=1)
"""


WRAPS_CONVLIB = """
from convlib.inception import InceptionBlock  # the Cost section's import, in scope in the student's notebook

def factorised_block(x, w1, w_reduce, w_row, w_col, w_pool):
    block = InceptionBlock(x.shape[1], w1.shape[0], 0, 0, 0, 0, w_pool.shape[0], bias=False)
    return block(x)
"""


MISTAKES = [
    # ch13_block_shape: a block reading 528 channels at 14×14, 528 → 288 + 384 + 128 + 144 = 944 at 14×14
    ("ch13_block_shape", SHAPE.format((8, 944 + 144 + 32, 14, 14)), "reduction widths"),
    ("ch13_block_shape", SHAPE.format((8, 288 + 384 + 128 + 528, 14, 14)), "projection to 144"),
    ("ch13_block_shape", SHAPE.format((8, 288 + 384 + 128 + 528 + 144 + 32, 14, 14)), "both add the reduction widths"),
    ("ch13_block_shape", SHAPE.format((8, 288 + 384 + 128, 14, 14)), "leave out a branch"),
    ("ch13_block_shape", SHAPE.format((8, 288 + 384 + 144, 14, 14)), "leave out a branch"),
    ("ch13_block_shape", SHAPE.format((8, 288 + 128 + 144, 14, 14)), "leave out a branch"),
    ("ch13_block_shape", SHAPE.format((8, 384 + 128 + 144, 14, 14)), "leave out a branch"),
    ("ch13_block_shape", SHAPE.format((8, 288 + 144 + 32 + 144, 14, 14)), "take a reduction's width (144, 32)"),
    ("ch13_block_shape", SHAPE.format((8, 288 + 144 + 128 + 144, 14, 14)), "144 for the 3×3 branch"),
    ("ch13_block_shape", SHAPE.format((8, 288 + 384 + 128 + 144 + 32, 14, 14)), "add a reduction's width"),
    ("ch13_block_shape", SHAPE.format((8, 288 + 384 + 128 + 144 + 144, 14, 14)), "add a reduction's width"),
    ("ch13_block_shape", SHAPE.format((8, 288 + 384 + 128 + 528 + 144, 14, 14)), "count the pooling branch twice"),
    ("ch13_block_shape", SHAPE.format((8, 288 + 144 + 384 + 32 + 128 + 528 + 144, 14, 14)), "every layer's output"),
    ("ch13_block_shape", SHAPE.format((8, 256 + 320 + 128 + 128, 14, 14)), "the real inception(4e)'s width"),
    ("ch13_block_shape", SHAPE.format((8, 288 + 384 + 32 + 144, 14, 14)), "32 for the 5×5"),
    ("ch13_block_shape", SHAPE.format((8, 14, 14, 944)), "(N, C, H, W)"),
    ("ch13_block_shape", SHAPE.format((8, 944, 12, 12)), "keeps H and W"),
    ("ch13_block_shape", SHAPE.format((8, 944, 7, 7)), "keeps H and W"),
    ("ch13_block_shape", SHAPE.format((8, 528, 14, 14)), "sum of the branch widths"),
    ("ch13_block_shape", SHAPE.format((1, 944, 14, 14)), "batch size stays 8"),
    ("ch13_block_shape", SHAPE.format([8, 944, 14, 14]), "tuple of 4 ints"),
    # ch13_reduction_cost
    ("ch13_reduction_cost", f"naive_macs = 528 * 128 * 14 * 14\nreduced_macs = {REDUCED}", "naive count leaves out the kernel's size"),
    ("ch13_reduction_cost", COST.format("528 * 128 * 14 * 14", "528 * 32 * 14 * 14 + 32 * 128 * 14 * 14"),
     "naive count leaves out the kernel's size"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 14 * 14 + 32 * 128 * 14 * 14"), "reduced count leaves out the kernel's size"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 14 * 14 + 5 * 32 * 128 * 14 * 14"), "reduced count leaves out the kernel's size"),
    ("ch13_reduction_cost", COST.format(NAIVE, "5 * 5 * 32 * 128 * 14 * 14"), "add the cost of the 1×1 reduction"),
    ("ch13_reduction_cost", COST.format("5 * 5 * 528 * 128 * 28 * 28", "528 * 32 * 28 * 28 + 5 * 5 * 32 * 128 * 28 * 28"),
     "14×14 map"),
    ("ch13_reduction_cost", COST.format("5 * 5 * 528 * 128 * 28 * 28", REDUCED), "naive count is for a 28×28 map"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 28 * 28 + 5 * 5 * 32 * 128 * 28 * 28"),
     "reduced count is for a 28×28 map"),
    ("ch13_reduction_cost", COST.format("3 * 3 * 528 * 128 * 14 * 14", REDUCED), "3×3 kernel"),
    ("ch13_reduction_cost", COST.format(f"{NAIVE} + 128 * 14 * 14", REDUCED), "adds the biases"),
    ("ch13_reduction_cost", COST.format(REDUCED, NAIVE), "swap the two answers"),
    ("ch13_reduction_cost", COST.format("5 * 5 * 528 * 128", "528 * 32 + 5 * 5 * 32 * 128"), "for one pixel"),
    ("ch13_reduction_cost", COST.format(f"float({NAIVE})", REDUCED), "should be ints"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 128 * 14 * 14 + 5 * 5 * 32 * 128 * 14 * 14"), "writes 128 channels: it writes 32"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 14 * 14 + 3 * 3 * 32 * 128 * 14 * 14"), "3×3 kernel"),
    ("ch13_reduction_cost", COST.format(f"2 * {NAIVE}", f"2 * ({REDUCED})"), "two operations"),
    ("ch13_reduction_cost", COST.format(NAIVE, f"2 * ({REDUCED})"), "two operations"),
    ("ch13_reduction_cost", COST.format(NAIVE, f"{REDUCED} + 32 * 14 * 14 + 128 * 14 * 14"), "adds the biases"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 14 * 14 + 5 * 5 * 528 * 32 * 14 * 14"), "still reads all 528"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 14 * 14 + 5 * 5 * 528 * 128 * 14 * 14"), "still reads all 528"),
    ("ch13_reduction_cost", COST.format(NAIVE, "169_996_288"), "whole block 4e"),         # 4e's whole reduced block
    ("ch13_reduction_cost", COST.format("655_699_968", "169_996_288"), "whole naive block"),  # both whole blocks
    ("ch13_reduction_cost", COST.format("5 * 5 * 528 * 128 * 7 * 7", "528 * 32 * 7 * 7 + 5 * 5 * 32 * 128 * 7 * 7"), "7×7"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 7 * 7 + 5 * 5 * 32 * 128 * 7 * 7"), "7×7 map"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 14 * 14 + 5 * 5 * 32 * 128 * 14 * 14"), "counted for one channel"),
    ("ch13_reduction_cost", COST.format("655_699_968", REDUCED), "whole naive block"),
    ("ch13_reduction_cost", COST.format("5 * 5 * 528 * 32 * 14 * 14", REDUCED), "let the 5×5 write 32 channels"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 14 * 14 + 5 * 5 * 32 * 32 * 14 * 14"), "still writes the branch's 128"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 + 5 * 5 * 32 * 128 * 14 * 14"), "reduction is counted for one pixel"),
    ("ch13_reduction_cost", COST.format(NAIVE, "5 * 5 * 528 * 32 * 14 * 14 + 5 * 5 * 32 * 128 * 14 * 14"), "counted with a 5×5 kernel"),
    ("ch13_reduction_cost", COST.format(NAIVE, f"{REDUCED} + 528 * 128 * 14 * 14"), "pooling branch's 1×1 projection"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 160 * 14 * 14 + 5 * 5 * 160 * 128 * 14 * 14"), "160 wide"),
    ("ch13_reduction_cost", COST.format("5 * 5 * 528 * 128 * 10 * 10", "528 * 32 * 14 * 14 + 5 * 5 * 32 * 128 * 10 * 10"),
     "'same' padding"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 12 * 12 + 5 * 5 * 32 * 128 * 12 * 12"), "'same' padding"),
    ("ch13_reduction_cost", EVEN.format(453), "round up"),                        # rounded down: still cheaper
    ("ch13_reduction_cost", EVEN.format(528), "the reduction's own cost comes on top"),  # only the 5×5's term
    ("ch13_reduction_cost", EVEN.format(3200), "add both terms of the ratio"),       # only the reduction's term
    ("ch13_reduction_cost", EVEN.format(104), "first term lost its k²"),            # R/C_out + R/C_in = 1, rounded up
    ("ch13_reduction_cost", EVEN.format(103), "first term lost its k²"),            # the same, rounded down
    ("ch13_reduction_cost", EVEN.format(290), "divides by k·C_out"),                # k in place of k²
    ("ch13_reduction_cost", EVEN.format(363), "3×3 kernel"),                        # k² = 9
    ("ch13_reduction_cost", EVEN.format(127), "swapped C_in and C_out"),            # R/(k²·C_in) + R/C_out = 1, rounded up
    ("ch13_reduction_cost", EVEN.format(126), "swapped C_in and C_out"),            # the same, rounded down
    ("ch13_reduction_cost", EVEN.format(319), "C_out = 32"),                        # the real 4e's 5×5 reduction as C_out
    ("ch13_reduction_cost", EVEN.format(318), "C_out = 32"),                        # the same, rounded down
    ("ch13_reduction_cost", EVEN.format(453.2), "should be an int"),
    ("ch13_reduction_cost", COST.format("5 * 5 * 528 * 128 * 14", REDUCED), "naive count multiplies by the map's side"),
    ("ch13_reduction_cost", COST.format("5 * 5 * 528 * 128 * 14", "528 * 32 * 14 + 5 * 5 * 32 * 128 * 14"),
     "naive count multiplies by the map's side"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 14 + 5 * 5 * 32 * 128 * 14"), "reduced count multiplies by the map's side"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 14 + 5 * 5 * 32 * 128 * 14 * 14"), "reduced count multiplies by the map's side"),
    ("ch13_reduction_cost", COST.format(NAIVE, "528 * 32 * 14 * 14 + 5 * 5 * 32 * 128 * 14"), "reduced count multiplies by the map's side"),
    # ch13_factorised_block
    ("ch13_factorised_block", _block(row_pad="0", col_pad="0"), "factorised branch makes the map smaller"),
    ("ch13_factorised_block", _block(row_pad="n // 2", col_pad="n // 2"), "factorised branch makes the map larger"),
    ("ch13_factorised_block", _block(row_pad="(0, n // 2)", col_pad="0"), "factorised branch makes the map smaller"),
    ("ch13_factorised_block", _block(row_pad="(n // 2, 0)", col_pad="(0, n // 2)"), "did you swap the two paddings"),
    ("ch13_factorised_block", _block(swap=True), "w_row (1×n) reads the reduction's output"),
    ("ch13_factorised_block", _block().replace("F.conv2d(x, w1)", "F.conv2d(x, w1, padding=1)"), "1×1 branch makes the map larger"),
    ("ch13_factorised_block", _block(pool="F.avg_pool2d(x, 3, padding=1)"), "stride=1"),
    ("ch13_factorised_block", _block(pool="F.max_pool2d(x, 3, stride=1, padding=1)"), "average pooling (not max)"),
    ("ch13_factorised_block", _block(pool="F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)"),
     "count_include_pad=False"),
    ("ch13_factorised_block", _block().replace("n = w_row.shape[-1]", "n = 7"), "hard-code n = 7"),
    ("ch13_factorised_block", _block(row_pad="(0, 3)", col_pad="(3, 0)"), "hard-code n = 7"),
    ("ch13_factorised_block", _block(relu_out=False, relu_mid=False), "followed by a ReLU"),
    ("ch13_factorised_block", _block(relu_mid=False), "1×1 reduction, ReLU, 1×n, ReLU"),
    ("ch13_factorised_block", _block(order="b3, b1, b2"), "in another order"),
    ("ch13_factorised_block", _block(order="b1, b3, b2"), "in another order"),
    ("ch13_factorised_block", _block().replace("dim=1)", "dim=0)"), "along dim=1"),
    ("ch13_factorised_block", _block().replace("torch.cat(", "torch.stack("), "torch.stack adds a new axis"),
    ("ch13_factorised_block", WRAPS_CONVLIB, "ready-made Inception block"),
    # ch13_read_costs: the 3×3 segments make most of 3b's lead over 4e; 28×28 has 4 times the pixels of 14×14
    ("ch13_read_costs", READ.format("3x3", 2.8, 4), "the question asks for a factor"),
    ("ch13_read_costs", READ.format("5×5", 2.8, 4), "'1x1', '3x3', '5x5' or 'pool'"),
    ("ch13_read_costs", READ.format("5x5", 2.8, 2), "compares the maps' sides only"),
    ("ch13_read_costs", READ.format("5x5", 2.8, 16), "map to be 7×7"),
    ("ch13_read_costs", READ.format("5x5", 2.8, '"4"'), "should be an int"),
    ("ch13_read_costs", READ.format("5x5", 2.8, 0.25), "upside down"),
    ("ch13_read_costs", READ.format("5x5", 2.8, 784), "a layer of 3b writes per channel (28×28)"),
    ("ch13_read_costs", READ.format("5x5", 2.8, 196), "a layer of 4e writes per channel (14×14)"),
    # 4e's segments divided by 3b's: the 1×1 and pool quotients (about 1.03) come out largest, 5×5's is about 0.35
    ("ch13_read_costs", READ.format("1x1", 1.03, 4), "dividing 4e's segments by 3b's (upside down)"),
    ("ch13_read_costs", READ.format("pool", 1.0, 4), "a quotient of 1 says 3b's segment is as long as 4e's"),
    ("ch13_read_costs", READ.format("pool", 1.02, 4), "dividing 4e's segments by 3b's (upside down)"),
    # the tops of 3b's and 4e's 5×5 segments (291 / 157 million) and the whole bars (304 / 170 million)
    ("ch13_read_costs", READ.format("5x5", 1.86, 4), "divided the tops of the segments"),
    ("ch13_read_costs", READ.format("5x5", 1.79, 4), "(or the whole bars)"),
    ("ch13_read_costs", READ.format("5x5", 0.35, 4), "not 4e's by 3b's"),
    ("ch13_read_costs", READ.format("1x1", 0.97, 4), "3b's segment is the shorter one"),
    ("ch13_read_costs", READ.format("5x5", '"2.8"', 4), "gap_ratio should be a number"),
]


(test_usual_mistake_fails_the_public_checks_with_a_hint_naming_it,
 test_the_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)


def test_public_checks_name_no_answer_term_or_near_miss() -> None:
    """A public check must not spell out the answer, a term of it, or a value one step from it (twice, half):
    known wrong values live there only as salted hashes, and no check multiplies the prompt's numbers."""
    answers = {"ch13_block_shape": [944], "ch13_reduction_cost": [331_161_600, 23_382_016, 454]}
    terms = {528 * 32 * 196, 25 * 32 * 128 * 196, 25 * 528, 25 * 32, 25 * 128, 32 * 196, 128 * 196}
    for name, values in answers.items():
        public = "\n".join(cell.source for cell in question_cells(NB, name)["public"])
        literals = {int(v.replace("_", "")) for v in re.findall(r"\b\d[\d_]*\b", public)}
        for value in values:
            near = {value * k for k in (1, 2, 3, 4)} | {value // k for k in (2, 4, 196) if value % k == 0}
            assert not literals & near, f"{name}: a public check names {literals & near}, a trivial transform of the answer"
        assert name != "ch13_reduction_cost" or not literals & terms, f"{name}: a public check names a term of the answer: {literals & terms}"
        assert not re.search(r"\d\s*[*·]\s*\d", public), f"{name}: a public check multiplies numbers (a formula)"


def test_exercise_1s_public_checks_leave_wrong_widths_open() -> None:
    """The ruling on oracles: widths besides the named mistakes (arbitrary near misses) pass publicly."""
    for channels in (950, 900, 1000):
        assert public_check_failures(NB, "ch13_block_shape", SHAPE.format((8, channels, 14, 14))) == [], channels


def test_exercise_2s_public_checks_leave_near_answers_open() -> None:
    """Off-by-a-little counts pass the public checks (only the hidden tests pin the answer)."""
    for naive, reduced in [(331_161_600 + 1_000, 23_382_016), (331_161_600, 23_382_016 - 4_900)]:
        assert public_check_failures(NB, "ch13_reduction_cost", COST.format(naive, reduced)) == [], (naive, reduced)
    for width in (461, 440):                                        # break_even: arbitrary wrong widths pass publicly
        assert public_check_failures(NB, "ch13_reduction_cost", EVEN.format(width)) == [], width


def test_exercise_4s_public_checks_leave_wrong_answers_open() -> None:
    """The ruling on oracles: besides the named misreadings, at least two wrong branches and two wrong factors
    pass the public checks, so the answer cannot be found by trying values against them."""
    for branch, ratio, factor in [("1x1", 2.0, 3), ("pool", 3.5, 8), ("pool", 1.5, 4)]:  # each call draws the figure
        # neither is a usual misreading: dividing the right way round, both branches' quotients are about 1
        assert public_check_failures(NB, "ch13_read_costs", READ.format(branch, ratio, factor)) == [], (branch, ratio, factor)


def test_exercise_3s_later_check_stays_silent_when_the_first_has_named_the_mistake() -> None:
    """A padding mistake fails the first check cell only: the second must not add a hint about the 1×1 branch."""
    failures = public_check_failures(NB, "ch13_factorised_block", _block(row_pad="0", col_pad="0"))
    assert len(failures) == 1, failures


def test_the_exercises_open_with_a_cell_that_takes_the_counters_and_blocks_out_of_scope() -> None:
    # Round-11 review: cost.conv_macs (and cost.count on an InceptionBlock) answered exercise 2 in one call.
    assert_exercises_put_away(NB, ("cost", "arithmetic", "InceptionBlock"))


def test_nothing_before_the_exercises_shows_exercise_1s_answer_or_a_near_miss() -> None:
    """Round-12 review: the answer of Exercise 1 (then inception(4e)'s 832) was on the page, as the width block 5a
    reads in the naive-chain table. Neither the answer, a number one step from it (±1, twice, half) nor a planted
    mistake of Exercise 1 may appear before the exercises: in the text and code, in the block widths the chain cell
    prints (real and naive, from the cell's own table) or among the output widths the explorer can show."""
    import ast
    import itertools

    from convlib.viz.inception import BLOCKS

    answer = 288 + 384 + 128 + 144
    near = {answer, answer - 1, answer + 1, 2 * answer, answer // 2}
    planted = [re.search(r"shape = [(\[]8, ([\d +]+),", a) for n, a, _ in MISTAKES if n == "ch13_block_shape"]
    near |= {sum(int(v) for v in m.group(1).split("+")) for m in planted if m}     # the planted wrong widths
    near -= {14, 528, 832}          # the prompt's own numbers, and the real 4e's width (printed; its check names it)
    cells = NB.cells[:next(i for i, c in enumerate(NB.cells) if c.source.lstrip().startswith("## Exercises"))]
    text = "\n".join(c.source for c in cells)
    shown = {int(v.replace(",", "").replace("_", "")) for v in re.findall(r"(?<![\w.])\d[\d,_]*\d|(?<![\w.])\d", text)}
    chain_cell = next(c.source for c in cells if c.source.startswith("widths = {"))
    widths = ast.literal_eval(chain_cell[len("widths = "):chain_cell.index("}") + 1])
    real = naive = 192
    for c1, _, c3, _, c5, proj in widths.values():                      # what the chain cell prints, block by block
        real, naive = c1 + c3 + c5 + proj, c1 + c3 + c5 + naive
        shown |= {real, naive}
    for c_in, c1, _, c3, _, c5, proj, _ in BLOCKS.values():            # every output width the explorer can draw
        for pool in (proj, c_in):
            for on in itertools.product((0, 1), repeat=4):
                shown.add(sum(w for w, o in zip((c1, c3, c5, pool), on) if o))
    assert not near & shown, f"the chapter shows {sorted(near & shown)} before the exercises: Exercise 1's answer or a near miss"


def test_exercise_4_has_one_right_branch_read_off_the_figure() -> None:
    """Round-12 review: two branches were defensible. Read as the prompt says (a segment's length, not its top),
    3b's segment over 4e's must be largest for the 5×5 branch by a margin a reader can see on the figure (1.3×)."""
    import ast

    from convlib.inception import inception_branch_costs

    figure = next(c.source for c in question_cells(NB, "ch13_read_costs")["prompt"]
                  if "exercise-figure" in c.metadata.get("tags", []))
    start = figure.index("_table = ")
    table = ast.literal_eval(figure[start + len("_table = "):figure.index("}", start) + 1])
    length = {b: {n: inception_branch_costs(*w[:7], size=w[7])[n]["macs"] for n in ("1x1", "3x3", "5x5", "pool")}
              for b, w in table.items() if b in ("3b", "4e")}
    quotient = sorted(((length["3b"][n] / length["4e"][n], n) for n in length["3b"]), reverse=True)
    assert quotient[0][1] == "5x5", quotient
    assert quotient[0][0] >= 1.3 * quotient[1][0], f"the two largest quotients are too close to tell apart: {quotient}"
    prompt = next(c.source for c in NB.cells if c.source.startswith("**Exercise 4"))
    assert "top" in prompt and "bottom" in prompt, "the prompt must say a segment's length is its top minus its bottom"
