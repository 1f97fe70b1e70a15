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
W = "(1024 * 256 + 256 * 256 * 9 + 256 * 1024)"


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
    ("ch14_dense_shape", SHAPE.format((2, 64 * 5 + 24, 14, 14)), "plus k = 24 new channels per layer"),
    # ch14_bottleneck_cost
    ("ch14_bottleneck_cost", COST.format("1024 * 256 + 256 * 256 + 256 * 1024", "0"), "3×3"),
    ("ch14_bottleneck_cost", COST.format("2 * 1024 * 1024 * 9", "0"), "two 3×3 convolutions"),
    ("ch14_bottleneck_cost", COST.format(f"{W} + 2 * (256 + 256 + 1024)", "0"), "without the batch norms"),
    ("ch14_bottleneck_cost", COST.format(f"{W} + 1024 * 1024", "0"), "identity"),
    ("ch14_bottleneck_cost", COST.format("1024 * 256 * 2 + 1024 * 1024 * 9", "0"), "at the width"),
    ("ch14_bottleneck_cost", COST.format("1024 * 256 + 256 * 256 * 9", "0"), "one is missing"),
    ("ch14_bottleneck_cost", COST.format("256 * 64 + 64 * 64 * 9 + 64 * 256", "0"), "first stage's block"),
    ("ch14_bottleneck_cost", COST.format(f"9 * (1024 * 256 + 256 * 256 + 256 * 1024)", "0"), "only the middle"),
    ("ch14_bottleneck_cost", COST.format("1024 * 64 + 64 * 64 * 9 + 64 * 1024", "0"), "not the first stage's 64"),
    ("ch14_bottleneck_cost", COST.format(W, W), "per output pixel"),
    ("ch14_bottleneck_cost", COST.format(W, f"{W} * 56 * 56"), "wrong size"),
    ("ch14_bottleneck_cost", COST.format(W, f"2 * {W} * 14 * 14"), "FLOPs"),
    ("ch14_bottleneck_cost", COST.format(W, f"{W} * 14 * 14 * 2"), "not a batch of 2"),
    ("ch14_bottleneck_cost", COST.format(f"{W} + 256 + 256 + 1024", "0"), "or biases"),
    ("ch14_bottleneck_cost", COST.format(W, f"{W} * 14"), "196 pixels"),
    ("ch14_bottleneck_cost", COST.format("1024 * 256 + 256 * 256 * 9 + 256 * 256", "0"), "expands back to 1,024"),
    ("ch14_bottleneck_cost", COST.format("1024 * 256 + 256 * 256 * 9 + 256 * 1000", "0"), "multiple of 256 × 256"),
    ("ch14_bottleneck_cost", COST.format("1024 * 256 + 256 * 1024 * 9 + 256 * 1024", "0"), "3×3 stays at the width"),
    ("ch14_bottleneck_cost", COST.format("1024 * 1024 + 256 * 256 * 9 + 256 * 1024", "0"), "neither has 1,024 on both sides"),
    ("ch14_bottleneck_cost", COST.format("1024 * 256 + 256 * 256 * 9 + 1024 * 1024", "0"), "neither has 1,024 on both sides"),
    ("ch14_bottleneck_cost", COST.format(W, "256 * 256 * 9 * 14 * 14"), "only the 3×3"),
    ("ch14_bottleneck_cost", COST.format(W, f"{W} * 12 * 12"), "without padding"),
    ("ch14_bottleneck_cost", COST.format(W, f"({W} + 1024) * 14 * 14"), "not multiply-adds"),
    ("ch14_bottleneck_cost", COST.format(W, "0"), "each weight once per output pixel"),
    ("ch14_bottleneck_cost", COST.format(f"{W} + 4 * (256 + 256 + 1024)", "0"), "batch-norm parameters"),
    ("ch14_bottleneck_cost", COST.format(f"{W} + 3 * (256 + 256 + 1024)", "0"), "batch-norm parameters"),
    ("ch14_bottleneck_cost", COST.format(W, "(1024 * 256 + 256 * 1024) * 14 * 14 + 256 * 256 * 9 * 12 * 12"),
     "3×3 at the wrong size"),
    ("ch14_bottleneck_cost", COST.format(W, "1024 * 256 * 28 * 28 + (256 * 256 * 9 + 256 * 1024) * 14 * 14"),
     "first 1×1 at the wrong size"),
    ("ch14_bottleneck_cost", COST.format(W, f"{W} * 224 * 224"), "wrong size"),
    ("ch14_bottleneck_cost", COST.format(W, f"{W} * 7 * 7"), "wrong size"),
    ("ch14_bottleneck_cost", COST.format(W, "2 * 1024 * 256 * 14 * 14 + 256 * 256 * 9 * 7 * 7"), "3×3 at the wrong size, 7×7"),
    # ch14_bottleneck_forward
    ("ch14_bottleneck_forward", _forward(shortcut="x"), "add block.downsample(x)"),
    ("ch14_bottleneck_forward", _forward(shortcut="x if block.downsample is None else block.downsample(f)"),
     "not downsample(F(x))"),
    ("ch14_bottleneck_forward", _forward(shortcut="block.downsample(x)"), "block.downsample is None"),
    ("ch14_bottleneck_forward", _forward(out="torch.relu(torch.relu(f) + shortcut)"), "after the addition"),
    ("ch14_bottleneck_forward", _forward(out="torch.relu(f) + shortcut"), "after the addition"),
    ("ch14_bottleneck_forward", _forward(out="f + shortcut"), "forgot the ReLU after the addition"),
    ("ch14_bottleneck_forward", _forward(out="torch.relu(f)"), "left out the shortcut"),
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
