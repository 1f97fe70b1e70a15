"""Chapter 14's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext

from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "14-residual.md"
NB = jupytext.read(CHAPTER)

SHAPE = "out_shape = {}"
COST = "weights = {}\nmacs = {}"
READ = 'residual = "{}"\ndecades = {}'
W = "(1024 * 256 + 256 * 256 * 9 + 256 * 1024)"


def _forward(f: str = "block.bn2(block.conv2(torch.relu(block.bn1(block.conv1(x)))))",
             shortcut: str = "x if block.downsample is None else block.downsample(x)",
             out: str = "torch.relu(f + shortcut)") -> str:
    """A student's answer to exercise 3, with one piece swapped for a usual mistake."""
    return f"""
def basic_forward(x, block):
    f = {f}
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
    # ch14_basic_forward
    ("ch14_basic_forward", _forward(out="torch.relu(f)"), "left out the shortcut"),
    ("ch14_basic_forward", _forward(out="f + shortcut"), "forgot the ReLU after the addition"),
    ("ch14_basic_forward", _forward(out="torch.relu(f) + shortcut"), "after the addition"),
    ("ch14_basic_forward", _forward(f="block.bn2(block.conv2(block.bn1(block.conv1(x))))"),
     "ReLU between the two convolutions"),
    ("ch14_basic_forward", _forward(f="block.conv2(torch.relu(block.conv1(x)))"), "left out the batch norms"),
    ("ch14_basic_forward", _forward(f="torch.relu(block.bn2(block.conv2(torch.relu(block.bn1(block.conv1(x))))))"),
     "no ReLU: the block's second ReLU"),
    ("ch14_basic_forward", _forward(f="block.bn2(block.conv2(block.bn1(torch.relu(block.conv1(x)))))"),
     "batch norm, then ReLU"),
    ("ch14_basic_forward", _forward(shortcut="x"), "block.downsample(x)"),
    ("ch14_basic_forward", _forward(f="block.conv2(torch.relu(block.bn1(block.conv1(x))))",
                                    out="torch.relu(block.bn2(f + shortcut))"), "not to the sum"),
    ("ch14_basic_forward", _forward(shortcut="block.downsample(x)"), "block.downsample is None"),
    ("ch14_basic_forward", """
def basic_forward(x, block):
    f = block.bn2(block.conv2(torch.relu(block.bn1(block.conv1(x)))))
    if block.downsample is not None:
        x = block.downsample(x)
    x += f
    return torch.relu(x)
""", "changed x in place"),
    ("ch14_basic_forward", "def basic_forward(x, block):\n    return block(x)\n", "do not call block(x)"),
    ("ch14_basic_forward", "def basic_forward(x, block):\n    return type(block).forward(block, x)\n",
     "do not call block(x)"),
    ("ch14_basic_forward", "def basic_forward(x, block):\n"
     "    return torchvision.models.resnet.BasicBlock.forward(block, x)\n", "do not call block(x)"),
    ("ch14_basic_forward", "def basic_forward(x, block):\n    return block.forward(x)\n", "do not call block(x)"),
    # ch14_read_gradients: the plain curve ends near 1.7e-11 (nearest tick 10⁻¹¹), one tick per power of ten
    ("ch14_read_gradients", READ.format("A", 11), "which curve stays near 1"),
    ("ch14_read_gradients", READ.format("B", 1), "read the network with shortcuts"),
    ("ch14_read_gradients", READ.format("B", -11), "positive"),
    ("ch14_read_gradients", READ.format("B", 12), "off by one"),
    ("ch14_read_gradients", READ.format("B", 10), "nearest to layer 1's point"),
    ("ch14_read_gradients", READ.format("B", 6), "one per power of ten"),
    ("ch14_read_gradients", READ.format("B", 22), "one per power of ten"),
    ("ch14_read_gradients", READ.format("B", 9), "one per power of ten"),
    ("ch14_read_gradients", READ.format("B", 13), "one per power of ten"),
    ("ch14_read_gradients", READ.format("B", "1e-11"), "not the ratio itself"),
]


(test_usual_mistake_fails_the_public_checks_with_a_hint_naming_it,
 test_the_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)
