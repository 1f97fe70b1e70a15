"""Chapter 16's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext

from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "16-squeeze-excitation.md"
NB = jupytext.read(CHAPTER)

SHAPES = "z_shape = {}\nhidden_units = {}\nout_shape = {}"
COST = "added_params = {}\nfc_macs = {}"
READ = 'most_suppressed = "{}"\nkept = "{}"'


def _se(pool: str = "x.mean(dim=(2, 3))", act: str = "torch.relu", gate: str = "torch.sigmoid({})",
        scale: str = "x * s[:, :, None, None]") -> str:
    """A student's answer to exercise 3, with one piece swapped for a usual mistake."""
    return f"""
def se_from_conv_weights(x, w1, b1, w2, b2):
    z = {pool}
    h = {act}(z @ w1.flatten(1).T + b1)
    s = {gate.format("h @ w2.flatten(1).T + b2")}
    return {scale}
"""


MISTAKES = [
    # ch16_shapes
    ("ch16_shapes", SHAPES.format((8, 784), 32, (8, 512, 28, 28)), "averaged over the channels"),
    ("ch16_shapes", SHAPES.format((8, 512), 512 * 16, (8, 512, 28, 28)), "multiplied by r"),
    ("ch16_shapes", SHAPES.format((8, 512), 16, (8, 512, 28, 28)), "reduction ratio, not the width"),
    ("ch16_shapes", SHAPES.format((8, 512), 32, (8, 512, 1, 1)), "rescaled feature map"),
    ("ch16_shapes", SHAPES.format((8, 32), 32, (8, 512, 28, 28)), "hidden layer's output"),
    ("ch16_shapes", SHAPES.format((8, 512, 1, 1), 32, (8, 512, 28, 28)), "without its two 1×1 axes"),
    ("ch16_shapes", SHAPES.format((8, 512 * 28 * 28), 32, (8, 512, 28, 28)), "flattened the map"),
    # ch16_stage_overhead (ResNet-101's layer3: 23 blocks, C = 1024, r = 16, 14×14)
    ("ch16_stage_overhead", COST.format("6 * (2 * 1024 * 64 + 64 + 1024)", "6 * 2 * 1024 * 64"), "ResNet-50's third stage"),
    ("ch16_stage_overhead", COST.format("23 * 2 * 1024 * 64", "23 * 2 * 1024 * 64"), "forgot the biases"),
    ("ch16_stage_overhead", COST.format("23 * (1024 * 64 + 64 + 1024)", "23 * 2 * 1024 * 64"), "C²/r counts one layer"),
    ("ch16_stage_overhead", COST.format("2 * 1024 * 64 + 64 + 1024", "23 * 2 * 1024 * 64"), "the stage has 23"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * 2 * 1024 * 64 * 14 * 14"),
     "not at every pixel"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * 1024 * 64"), "C²/r is one layer"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 1024)", "23 * 2 * 1024 * 64"), "one layer's biases only"),
    ("ch16_stage_overhead", COST.format("23 * 2 * 1024 * 64 + 64 + 1024", "23 * 2 * 1024 * 64"), "biases of one block only"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * (2 * 1024 * 64 + 64 + 1024)"),
     "biases as multiply-adds"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * (2 * 1024 * 64 + 1024 * 14 * 14)"),
     "squeeze or the rescaling"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "23 * (2 * 1024 * 64 + 64 + 1024 + 1024 * 14 * 14)"),
     "squeeze or the rescaling"),
    ("ch16_stage_overhead", COST.format("23 * (2 * 1024 * 64 + 64 + 1024)", "2 * 23 * 2 * 1024 * 64"), "counted FLOPs"),
    # ch16_from_conv_weights
    ("ch16_from_conv_weights", _se(pool="x.amax(dim=(2, 3))"), "max pooling"),
    ("ch16_from_conv_weights", _se(gate="torch.softmax({}, dim=1)"), "softmax"),
    ("ch16_from_conv_weights", _se(act=""), "ReLU"),
    ("ch16_from_conv_weights", _se(scale="x * torch.sigmoid(x.mean(dim=1, keepdim=True))"), "pixel by pixel"),
    ("ch16_from_conv_weights", _se(scale="s[:, :, None, None]"), "rescaled feature map"),
    ("ch16_from_conv_weights", _se(scale="x * s"), "reshaped from (N, C) to (N, C, 1, 1)"),
    ("ch16_from_conv_weights", _se().replace(" + b1", "").replace(" + b2", ""), "left out the biases"),
    ("ch16_from_conv_weights", _se(pool="x.sum(dim=(2, 3))"), "summed each channel"),
    ("ch16_from_conv_weights", _se(act="torch.sigmoid"), "activation between the two layers is a ReLU"),
    ("ch16_from_conv_weights", _se(pool="x.mean()"), "mean over H and W only"),
    ("ch16_from_conv_weights", _se(pool="x.mean(dim=(0, 2, 3))", scale="x * s[..., None, None]"), "averaged over the batch too"),
    ("ch16_from_conv_weights", _se(pool="x.mean(dim=(0, 2, 3))"), "mean over H and W only"),
    ("ch16_from_conv_weights", _se().replace("w1.flatten(1).T", "w1.flatten(1)"), "transposed"),
    # ch16_read_weights
    ("ch16_read_weights", READ.format("B", "E"), "already dark before"),
    ("ch16_read_weights", READ.format("A", "D"), "lost a good part"),
    ("ch16_read_weights", READ.format("A", "A"), "cannot be both"),
    ("ch16_read_weights", READ.format("A", "B"), "visibly darker"),
    ("ch16_read_weights", READ.format("C", "E"), "largest fraction"),
    ("ch16_read_weights", READ.format("D", "E"), "largest fraction"),
    ("ch16_read_weights", READ.format("A", "C"), "visibly darker"),
]


(test_usual_mistake_fails_the_public_checks_with_a_hint_naming_it,
 test_the_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)
