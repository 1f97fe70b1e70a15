"""Chapter 14's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext

from convlib.course.homework import public_check_failures

from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "14-residual.md"
NB = jupytext.read(CHAPTER)

SHAPE = "out_shape = {}"
COST = "weights = {}\nmacs = {}"
READ = 'residual = "{}"\ndecades = {}'
# ch14_bottleneck_cost: 512 -> width 128 -> 1,024, stride 2 on the 3×3, projection, 28×28 in, 14×14 out
C1, C2, C3, PJ = "512 * 128", "128 * 128 * 9", "128 * 1024", "512 * 1024"
W = f"({C1} + {C2} + {C3} + {PJ})"


def _forward(f1: str = "torch.relu(block.bn1(block.conv1(x)))",
             f2: str = "torch.relu(block.bn2(block.conv2(f)))",
             f3: str = "block.bn3(block.conv3(f))",
             shortcut: str = "x if block.downsample is None else block.downsample(x)",
             out: str = "torch.relu(f + shortcut)") -> str:
    """A student's answer to exercise 3 (the bottleneck), with one piece swapped for a usual mistake."""
    return f"""
def bottleneck_forward(x, block):
    f = {f1}
    f = {f2}
    f = {f3}
    shortcut = {shortcut}
    return {out}
"""


MISTAKES = [
    # ch14_dense_shape: k0 = 64, k = 24, 5 layers -> 184
    ("ch14_dense_shape", SHAPE.format((2, 120, 14, 14)), "forgot the block's input"),
    ("ch14_dense_shape", SHAPE.format((2, 24, 14, 14)), "not only the last layer's"),
    ("ch14_dense_shape", SHAPE.format((2, 64 + 24, 14, 14)), "not only the last layer's"),
    ("ch14_dense_shape", SHAPE.format((2, 64 + 4 * 24, 14, 14)), "off by one"),
    ("ch14_dense_shape", SHAPE.format((2, 64 + 6 * 24, 14, 14)), "off by one"),
    ("ch14_dense_shape", SHAPE.format((2, 64, 14, 14)), "concatenates"),
    ("ch14_dense_shape", SHAPE.format((2, 64 + 5 * 96, 14, 14)), "4k channels stay inside a layer"),
    ("ch14_dense_shape", SHAPE.format((2, 92, 14, 14)), "transition layer comes after the block"),
    ("ch14_dense_shape", SHAPE.format((2, 184, 7, 7)), "keeps the batch and the map size"),
    ("ch14_dense_shape", SHAPE.format((2, 64 + 5 * 32, 14, 14)), "growth rate is k = 24"),
    ("ch14_dense_shape", SHAPE.format((2, 14, 14, 184)), "channels come second"),
    ("ch14_dense_shape", SHAPE.format((2, 64 + 5 * (96 + 24), 14, 14)), "4k channels stay inside"),
    ("ch14_dense_shape", SHAPE.format((2, 64 + 64 + 5 * 24, 14, 14)), "input twice"),
    ("ch14_dense_shape", SHAPE.format((2, 64 * 5 + 24, 14, 14)), "exactly k new channels"),
    # ch14_bottleneck_cost
    ("ch14_bottleneck_cost", COST.format(f"{W} + 2 * (128 + 128 + 1024 + 1024)", "0"), "batch-norm parameters"),
    ("ch14_bottleneck_cost", COST.format(f"{W} + 4 * (128 + 128 + 1024 + 1024)", "0"), "batch-norm parameters"),
    ("ch14_bottleneck_cost", COST.format(f"{W} + 128 + 128 + 1024 + 1024", "0"), "or biases"),
    ("ch14_bottleneck_cost", COST.format(f"{C1} + {C2} + {C3}", "0"), "forgot the projection"),
    ("ch14_bottleneck_cost", COST.format(f"512 * 256 + 256 * 256 * 9 + 256 * 1024 + {PJ}", "0"), "width is 128"),
    ("ch14_bottleneck_cost", COST.format(f"{C1} + 128 * 128 + {C3} + {PJ}", "0"), "3×3"),
    ("ch14_bottleneck_cost", COST.format(f"{C1} + {C2} + {C3} + 9 * {PJ}", "0"), "projection is a 1×1"),
    ("ch14_bottleneck_cost", COST.format(W, W), "per output pixel"),
    ("ch14_bottleneck_cost", COST.format(W, f"{W} * 14 * 14"), "stride on the 3×3"),        # stride on conv1 (v1)
    ("ch14_bottleneck_cost", COST.format(W, f"{W} * 28 * 28"), "one map size"),             # no stride at all
    ("ch14_bottleneck_cost", COST.format(W, f"{W} * 224 * 224"), "one map size"),
    ("ch14_bottleneck_cost", COST.format(W, f"{W} * 7 * 7"), "one map size"),
    ("ch14_bottleneck_cost", COST.format(W, f"2 * ({C1} * 28 * 28 + ({C2} + {C3} + {PJ}) * 14 * 14)"), "FLOPs"),
    ("ch14_bottleneck_cost", COST.format(W, f"{C1} * 28 * 28 + ({C2} + {C3}) * 14 * 14"), "forgot the projection"),
    ("ch14_bottleneck_cost", COST.format(W, f"({C1} + {C2}) * 28 * 28 + ({C3} + {PJ}) * 14 * 14"),
     "3×3 has stride 2"),
    ("ch14_bottleneck_cost", COST.format(W, f"({C1} + {PJ}) * 28 * 28 + ({C2} + {C3}) * 14 * 14"),
     "projection has stride 2"),
    # ch14_bottleneck_forward
    ("ch14_bottleneck_forward", _forward(shortcut="x"), "add block.downsample(x)"),
    ("ch14_bottleneck_forward", _forward(shortcut="x if block.downsample is None else block.downsample(f)"),
     "not downsample(F(x))"),
    ("ch14_bottleneck_forward", _forward(shortcut="block.downsample(x)"), "block.downsample is None"),
    ("ch14_bottleneck_forward", _forward(out="torch.relu(torch.relu(f) + shortcut)"), "after the addition"),
    ("ch14_bottleneck_forward", _forward(out="torch.relu(f) + shortcut"), "after the addition"),
    ("ch14_bottleneck_forward", _forward(out="f + shortcut"), "forgot the ReLU after the addition"),
    ("ch14_bottleneck_forward", _forward(out="torch.relu(f)"), "left out the shortcut"),
    ("ch14_bottleneck_forward", """
def bottleneck_forward(x, block):
    x = torch.relu(block.bn1(block.conv1(x)))
    x = torch.relu(block.bn2(block.conv2(x)))
    x = block.bn3(block.conv3(x))
    shortcut = x if block.downsample is None else block.downsample(x)
    return torch.relu(x + shortcut)
""", "overwrote x"),
    ("ch14_bottleneck_forward", _forward(f2="block.bn2(block.conv2(f))"), "before block.conv3"),
    ("ch14_bottleneck_forward", _forward(f1="block.bn1(torch.relu(block.conv1(x)))"), "block.bn1's output"),
    ("ch14_bottleneck_forward", _forward(f2="torch.relu(block.conv2(f))"), "left out block.bn2"),
    ("ch14_bottleneck_forward", """
def bottleneck_forward(x, block):
    f = torch.relu(block.bn2(block.conv2(torch.relu(block.bn1(block.conv1(x))))))
    shortcut = x if block.downsample is None else block.downsample(x)
    return torch.relu(block.bn3(block.conv3(f) + shortcut))
""", "not to the sum"),
    ("ch14_bottleneck_forward", """
def bottleneck_forward(x, block):
    f = block.bn3(block.conv3(torch.relu(block.bn2(block.conv2(torch.relu(block.bn1(block.conv1(x))))))))
    if block.downsample is not None:
        x = block.downsample(x)
    x += f
    return torch.relu(x)
""", "changed x in place"),
    ("ch14_bottleneck_forward", "def bottleneck_forward(x, block):\n    return block(x)\n", "do not call block(x)"),
    ("ch14_bottleneck_forward", "def bottleneck_forward(x, block):\n    return type(block).forward(block, x)\n",
     "do not call block(x)"),
    ("ch14_bottleneck_forward", "def bottleneck_forward(x, block):\n"
     "    return torchvision.models.resnet.Bottleneck.forward(block, x)\n", "do not call block(x)"),
    ("ch14_bottleneck_forward", "def bottleneck_forward(x, block):\n    return block.forward(x)\n", "do not call block(x)"),
    ("ch14_bottleneck_forward", "def bottleneck_forward(x, block):\n    return torch.relu(x)\n", "left out block.conv1"),
    # ch14_read_gradients: the plain curve ends near 1.7e-11 (nearest tick 10⁻¹¹), one tick per power of ten.
    # The letter is not checked publicly (two choices: any public check would give it away); a student who
    # swaps the letters reads the flat curve, and the decades check names that.
    ("ch14_read_gradients", READ.format("A", 1), "network with shortcuts"),
    ("ch14_read_gradients", READ.format("A", 0), "network with shortcuts"),
    ("ch14_read_gradients", READ.format("B", 1), "network with shortcuts"),
    ("ch14_read_gradients", READ.format("B", -11), "positive"),
    ("ch14_read_gradients", READ.format("B", 24), "one per power of ten"),
    ("ch14_read_gradients", READ.format("B", "1e-11"), "not the ratio itself"),
    ("ch14_read_gradients", READ.format("C", 11), "letter A or B"),
]


(test_usual_mistake_fails_the_public_checks_with_a_hint_naming_it,
 test_the_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)


def test_read_gradients_public_checks_do_not_pin_the_answer():
    """The ruling on public checks as oracles: wrong letters and near-miss decades still pass publicly."""
    for answer in (READ.format("A", 11), READ.format("B", 10), READ.format("B", 12), READ.format("B", 9)):
        assert public_check_failures(NB, "ch14_read_gradients", answer) == [], answer


def test_bottleneck_cost_public_checks_do_not_pin_the_answer():
    """The ruling on public checks as oracles: plausible wrong answers beyond the named mistakes still pass
    publicly (the hidden test rejects them): the shortcut's additions counted, batch norm's multiplies
    counted, the 3×3's output taken as 13×13."""
    right = f"{C1} * 28 * 28 + ({C2} + {C3} + {PJ}) * 14 * 14"
    for macs in (f"{right} + 1024 * 14 * 14",
                 f"{right} + 128 * 28 * 28 + (128 + 1024 + 1024) * 14 * 14",
                 f"{C1} * 28 * 28 + ({C2} + {C3} + {PJ}) * 13 * 13"):
        assert public_check_failures(NB, "ch14_bottleneck_cost", COST.format(W, macs)) == [], macs


def test_dense_shape_public_checks_do_not_pin_the_answer():
    """Channel counts 64 + n·24 other than the named off-by-ones still pass publicly."""
    for c in (136, 232, 304):
        assert public_check_failures(NB, "ch14_dense_shape", SHAPE.format((2, c, 14, 14))) == [], c
