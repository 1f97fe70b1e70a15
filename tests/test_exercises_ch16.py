"""Chapter 16's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext
import pytest

from convlib.course.homework import public_check_failures

from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "16-squeeze-excitation.md"
NB = jupytext.read(CHAPTER)

SHAPES = "z_shape = {}\nhidden_units = {}\nout_shape = {}"
COST = "added_params = {}\nfc_macs = {}"
READ = 'switched_off = "{}"\nimage_dependent = "{}"'


def _mse(width: str = "max(8, int(v + 4) // 8 * 8)", guard: bool = True, pool: str = "x.mean(dim=(2, 3), keepdim=True)",
         act: str = "torch.relu", gate: str = "F.hardsigmoid") -> str:
    """A student's answer to exercise 3 (MobileNetV3's SE block), with one piece swapped for a usual mistake."""
    return f"""
class MobileSE(nn.Module):
    def __init__(self, channels):
        super().__init__()
        v = channels // 4
        hidden = {width}
        if {guard} and hidden < 0.9 * v:
            hidden += 8
        self.fc1 = nn.Conv2d(channels, hidden, 1)
        self.fc2 = nn.Conv2d(hidden, channels, 1)

    def forward(self, x):
        z = {pool}
        return x * {gate}(self.fc2({act}(self.fc1(z))))
"""


MISTAKES = [
    # ch16_shapes
    ("ch16_shapes", SHAPES.format((8, 784), 32, (8, 512, 28, 28)), "averaged over the channels"),
    # student read: z written per image, as in the formula z ∈ R^C, got only the generic "2 ints" hint
    ("ch16_shapes", SHAPES.format((512,), 32, (8, 512, 28, 28)), "left out the batch axis"),
    ("ch16_shapes", SHAPES.format((8, 512), 512 * 16, (8, 512, 28, 28)), "multiplied by r"),
    ("ch16_shapes", SHAPES.format((8, 512), 16, (8, 512, 28, 28)), "reduction ratio r as the width"),
    ("ch16_shapes", SHAPES.format((8, 512), 32, (8, 512, 1, 1)), "rescaled feature map"),
    # student read: s returned in its (N, C) form got only the generic "tuple of 4 ints"
    ("ch16_shapes", SHAPES.format((8, 512), 32, (8, 512)), "shape of the weights s"),
    ("ch16_shapes", SHAPES.format((8, 32), 32, (8, 512, 28, 28)), "hidden layer's output"),
    ("ch16_shapes", SHAPES.format((8, 512, 1, 1), 32, (8, 512, 28, 28)), "without its two 1×1 axes"),
    ("ch16_shapes", SHAPES.format((8, 512 * 28 * 28), 32, (8, 512, 28, 28)), "flattened the map"),
    ("ch16_shapes", SHAPES.format((8, 512), "512 / 16", (8, 512, 28, 28)), "should be an int"),
    ("ch16_shapes", SHAPES.format((8, 512), 512, (8, 512, 28, 28)), "left out the reduction"),
    ("ch16_shapes", SHAPES.format((8, 512), 64, (8, 512, 28, 28)), "two FC layers' widths together"),
    ("ch16_shapes", SHAPES.format((8, 512), 32, (8, 512, 14, 14)), "SE has no stride"),
    ("ch16_shapes", SHAPES.format((28, 28), 32, (8, 512, 28, 28)), "averaged over the channels"),
    # ch16_stage_overhead (ResNet-101's layer3: 23 blocks, C = 1024, r = 16, 14×14)
    # hidden width r = 16 instead of C/r = 64, with the rest right, without biases, for one block, and in fc_macs alone
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 16 + 16 + 1024)", "23 * 2 * 1024 * 16"), "r = 16 as the hidden width"),
    ("ch16_stage_overhead", COST.format("23 * 2 * 1024 * 16", "23 * 2 * 1024 * 16"), "r = 16 as the hidden width"),
    ("ch16_stage_overhead", COST.format("2 * 1024 * 16 + 16 + 1024", "2 * 1024 * 16"), "r = 16 as the hidden width"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * 2 * 1024 * 16"), "r = 16 as the hidden width"),
    # student read s19d: hidden width C·r (as Ex 1's "multiplied by r") passed; C = 512 got the r-as-width hint
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 1024 * 16 + 1024 * 16 + 1024)", "23 * 2 * 1024 * 1024 * 16"),
     "multiplied by r"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * 2 * 1024 * 1024 * 16"), "multiplied by r"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 512 * 32 + 32 + 512)", "23 * 2 * 512 * 32"), "C = 512"),
    ("ch16_stage_overhead", COST.format("6 * (2 * 1024 * 64 + 64 + 1024)", "6 * 2 * 1024 * 64"), "ResNet-50's third stage"),
    ("ch16_stage_overhead", COST.format("23 * 2 * 1024 * 64", "23 * 2 * 1024 * 64"), "forgot the biases"),
    ("ch16_stage_overhead", COST.format("23 * (1024 * 64 + 64 + 1024)", "23 * 2 * 1024 * 64"), "C²/r counts one layer"),
    ("ch16_stage_overhead", COST.format("2 * 1024 * 64 + 64 + 1024", "23 * 2 * 1024 * 64"), "the stage has 23"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * 2 * 1024 * 64 * 14 * 14"),
     "not at every pixel"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * 1024 * 64"), "cost C·C/r each"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 256 * 16 + 16 + 256)", "23 * 2 * 256 * 16"), "inner width 256"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * 2 * 256 * 16"), "inner width 256"),
    ("ch16_stage_overhead", COST.format("22 * (2 * 1024 * 64 + 64 + 1024)", "22 * 2 * 1024 * 64"), "one block short"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 1024 + 1024)", "23 * 2 * 1024 * 64"),
     "one per hidden unit (its outputs)"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * (2 * 1024 * 64 + 64)"),
     "biases as multiply-adds"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * 2 * 1024 * 64 / 1"), "should be ints"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 1024)", "23 * 2 * 1024 * 64"), "one layer's biases only"),
    ("ch16_stage_overhead", COST.format("23 * 2 * 1024 * 64 + 64 + 1024", "23 * 2 * 1024 * 64"), "biases of one block only"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * (2 * 1024 * 64 + 64 + 1024)"),
     "biases as multiply-adds"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * (2 * 1024 * 64 + 1024 * 14 * 14)"),
     "squeeze or the rescaling"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * (2 * 1024 * 64 + 64 + 1024 + 1024 * 14 * 14)"),
     "squeeze or the rescaling"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "2 * 23 * 2 * 1024 * 64"), "counted FLOPs"),
    # student read: r misread as 8 (128 hidden units); its fc_macs equals the FLOP count, so that hint names both
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 128 + 128 + 1024)", "23 * 2 * 1024 * 128"), "used r = 8"),
    ("ch16_stage_overhead", COST.format("23 * 2 * 1024 * 128", "23 * 2 * 1024 * 128"), "used r = 8"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * 2 * 1024 * 128"), "or used r = 8"),
    ("ch16_stage_overhead", COST.format("17 * (2 * 1024 * 64 + 64 + 1024)", "17 * 2 * 1024 * 64"), "17 = 23 − 6"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "17 * 2 * 1024 * 64"), "17 = 23 − 6"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 2 * (64 + 1024))", "23 * 2 * 1024 * 64"),
     "doubled the biases"),
    # student read: the second layer given C/r biases like the first; C per block added to the FC multiply-adds
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 2 * 64)", "23 * 2 * 1024 * 64"), "one per output channel"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * 2 * 1024 * 64 + 23 * 1024"),
     "you added C per block"),
    ("ch16_stage_overhead", COST.format(
        "sum(n * (2 * c * c // 16 + c // 16 + c) for n, c in ((3, 256), (4, 512), (23, 1024), (3, 2048)))",
        "23 * 2 * 1024 * 64"), "every SE block of SE-ResNet-101"),
    ("ch16_stage_overhead", COST.format(
        "23 * (2 * 1024 * 64 + 64 + 1024)",
        "sum(n * 2 * c * c // 16 for n, c in ((3, 256), (4, 512), (23, 1024), (3, 2048)))"),
     "every SE block of SE-ResNet-101"),
    # ch16_mobile_se
    ("ch16_mobile_se", _mse(width="v"), "kept v = C // 4"),
    ("ch16_mobile_se", _mse(width="max(8, v // 8 * 8)"), "rounded v = 60 down"),
    ("ch16_mobile_se", _mse(width="max(8, -(-v // 8) * 8)"), "rounded v = 66 up"),
    ("ch16_mobile_se", _mse(guard=False), "the rule then adds 8"),
    # student read s19d: the 10% test against C instead of v got the "rounded v = 66 up" hint
    ("ch16_mobile_se", _mse().replace("hidden < 0.9 * v", "hidden < 0.9 * channels"), "not with C"),
    ("ch16_mobile_se", _mse(width="max(8, round(v / 8) * 8)"), "tie to the even multiple"),
    ("ch16_mobile_se", _mse(gate="torch.sigmoid"), "Hardsigmoid"),
    ("ch16_mobile_se", _mse(gate="(lambda a: (a / 6).clamp(0, 1))"), "leaves out the + 3"),
    ("ch16_mobile_se", _mse(gate="(lambda a: F.relu6(a + 3))"), "leaves out the / 6"),
    # student read: these got only the generic "differs from torchvision"
    ("ch16_mobile_se", _mse(gate="(lambda a: (a + 3).clamp(0, 1))"), "leaves out the / 6"),
    ("ch16_mobile_se", _mse(gate="(lambda a: F.hardtanh(a, 0, 1))"), "the + 3 and the / 6"),
    ("ch16_mobile_se", _mse(gate="(lambda a: a.clamp(0, 1))"), "the + 3 and the / 6"),
    ("ch16_mobile_se", _mse(gate="F.relu6"), "you used relu6(a)"),
    ("ch16_mobile_se", _mse(gate="(lambda a: (a + 3) / 6)"), "leaves out the clamp to [0, 1]"),
    ("ch16_mobile_se", _mse(gate="(lambda a: F.relu(a + 3) / 6)"), "leaves out the clamp at 1"),
    ("ch16_mobile_se", _mse(gate="F.hardtanh"), "Hardtanh"),
    ("ch16_mobile_se", _mse(gate="F.hardswish"), "Hardswish"),
    ("ch16_mobile_se", _mse().replace("return x * ", "return x + x * "), "residual"),
    ("ch16_mobile_se", _mse(width="_make_divisible(v, 8)", guard=False).replace(
        "        v = channels // 4", "        from torchvision.models._utils import _make_divisible\n        v = channels // 4"),
     "not torchvision"),
    ("ch16_mobile_se", "from torchvision.models._utils import _make_divisible\n" + _mse(width="_make_divisible(v, 8)",
                                                                                        guard=False), "not torchvision"),
    ("ch16_mobile_se", _mse(act=""), "left out the ReLU"),
    ("ch16_mobile_se", _mse(act="F.hardswish"), "keeps a ReLU"),
    ("ch16_mobile_se", _mse(pool="x.mean(dim=(0, 2, 3), keepdim=True)"), "averaged over the batch too"),
    ("ch16_mobile_se", _mse(pool="x.mean(dim=(2, 3))"), "over H and W only"),
    ("ch16_mobile_se", _mse(pool="x.amax(dim=(2, 3), keepdim=True)"), "max pooling"),
    ("ch16_mobile_se", _mse().replace("nn.Conv2d(channels, hidden, 1)", "nn.Linear(channels, hidden)"), "1×1 nn.Conv2d"),
    ("ch16_mobile_se", "import torchvision\nclass MobileSE(torchvision.ops.SqueezeExcitation):\n    pass\n", "not torchvision"),
    ("ch16_mobile_se", "import torchvision\nclass MobileSE(nn.Module):\n    def __init__(self, channels):\n"
     "        super().__init__()\n        self.se = torchvision.ops.SqueezeExcitation(channels, 8)\n"
     "        self.fc1, self.fc2 = self.se.fc1, self.se.fc2\n    def forward(self, x):\n        return self.se(x)\n",
     "not torchvision"),
    # ch16_read_weights
    ("ch16_read_weights", READ.format("E", "B"), "dark on one image only"),
    ("ch16_read_weights", READ.format("D", "B"), "halved (0.5), not turned down"),
    ("ch16_read_weights", READ.format("C", "A"), "does not change across images"),
    ("ch16_read_weights", READ.format("C", "E"), "but not the most"),
    ("ch16_read_weights", READ.format("C", "D"), "does not change across images"),
    ("ch16_read_weights", READ.format("B", "B"), "does not depend on the image"),
    ("ch16_read_weights", READ.format("c", "B"), "upper case"),
    ("ch16_read_weights", READ.format("G", "B"), "A to F"),
    ("ch16_read_weights", READ.format("B", "C"), "swapped the two answers"),
    # student read: the colour bar read upside down (yellow taken for 0) puts A, bright in every row, as switched off
    ("ch16_read_weights", READ.format("A", "B"), "colour bar upside down"),
    ("ch16_read_weights", READ.format("A", "F"), "colour bar upside down"),
]


(test_usual_mistake_fails_the_public_checks_with_a_hint_naming_it,
 test_the_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)


# Arbitrary wrong answers (no usual mistake gives them) still pass the public checks, so that the check cells
# do not pin the answers; the hidden tests reject them.
ARBITRARY = [
    ("ch16_shapes", SHAPES.format((8, 519), 39, (8, 512, 35, 35))),
    ("ch16_shapes", SHAPES.format((8, 100), 7, (8, 512, 3, 3))),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024) + 7", "23 * 2 * 1024 * 64 + 7")),
    ("ch16_stage_overhead", COST.format("123456", "654321")),
    ("ch16_read_weights", READ.format("F", "C")),
    ("ch16_read_weights", READ.format("C", "F")),
    ("ch16_read_weights", READ.format("B", "F")),
    ("ch16_read_weights", READ.format("F", "B")),
]


@pytest.mark.parametrize("name, answer", ARBITRARY, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ARBITRARY)])
def test_arbitrary_wrong_answers_pass_the_public_checks_but_not_the_hidden_ones(name: str, answer: str) -> None:
    assert public_check_failures(NB, name, answer) == []


def test_the_exercises_set_up_removes_the_one_call_cost_helpers() -> None:
    """Exercise 2 is answered by se_params / se_macs in one call: the cell before the exercises removes them."""
    first = next(i for i, c in enumerate(NB.cells) if c.cell_type == "raw" and "BEGIN QUESTION" in c.source)
    setup = next(c.source for c in reversed(NB.cells[:first]) if c.cell_type == "code")
    assert all(f'"{name}"' in setup for name in ("se_params", "se_macs", "cost")) and "globals().pop" in setup


def test_exercise_1s_public_checks_hold_no_literal_of_the_answer_or_a_value_one_step_from_it() -> None:
    """Student read: "(8, 32) is the hidden layer's output" in the check cell gave hidden_units = 32 away."""
    from convlib.course.homework import question_cells

    text = "\n".join(c.source for c in question_cells(NB, "ch16_shapes")["public"])
    for leak in ("32", "512 * 16", "!= 16", "C // r", "C / r", "(8, 512, 1, 1)", "28 * 28"):
        assert leak not in text, leak



def test_the_stage_table_before_the_exercises_prints_no_number_one_step_from_exercise_2() -> None:
    """Student read: the table printed layer3's 6 blocks (786,432 weights + 6,528 biases); / 6 * 23 was Exercise 2."""
    import contextlib
    import io

    cell = next(c.source for c in NB.cells if c.cell_type == "code" and 'stages = [("layer1"' in c.source)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(cell, {"glue": lambda *args, **kwargs: None})
    printed = out.getvalue().replace(",", "")
    per_block_w, per_block_b = 2 * 1024 * 64, 64 + 1024                 # one SE block on layer3's 1,024 channels
    for n in (1, 6, 17, 23):
        for value in (n * per_block_w, n * per_block_b, n * (per_block_w + per_block_b)):
            assert str(value) not in printed, value


def test_exercise_4s_public_checks_describe_no_column_by_its_letter() -> None:
    """Student read: the visible hints said what columns A, D and E look like before the reader answered."""
    import re

    from convlib.course.homework import question_cells

    text = "\n".join(c.source for c in question_cells(NB, "ch16_read_weights")["public"])
    assert not re.search(r'[!=]= "[A-F]"', text), "a wrong letter is compared in the open, not as a hash"
    assert not re.search(r'\b[A-F] (is|sits|holds|changes)\b', text), "a hint describes a column by its letter"



def test_a_students_own_make_divisible_helper_is_not_mistaken_for_torchvisions() -> None:
    """Exercise 3 names the rule ``_make_divisible``; a student who writes a helper of that name must pass."""
    own = ("def _make_divisible(v, divisor=8):\n    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)\n"
           "    return new_v + divisor if new_v < 0.9 * v else new_v\n"
           + _mse(width="_make_divisible(v, 8)", guard=False))
    assert public_check_failures(CHAPTER, "ch16_mobile_se", own) == []
